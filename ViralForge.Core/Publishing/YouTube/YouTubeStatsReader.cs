using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Publishing.YouTube;

/// <summary>
/// A live YouTube video's numbers: views, likes and comments through the Data API's <c>videos.list
/// part=statistics</c> (one quota unit), and minutes watched through the Analytics API's
/// <c>reports.query</c> (needs the <c>yt-analytics.readonly</c> scope; channels connected without it
/// get their counts and a note saying how to add watch time).
/// </summary>
public sealed class YouTubeStatsReader(IHttpClientFactory http, IOptions<PublishingOptions> options, TimeProvider time) : Stats.IStatsReader
{
    private YouTubeOptions Options => options.Value.YouTube;

    public ChannelPlatform Platform => ChannelPlatform.YouTube;

    public async Task<Stats.PublicationNumbers> ReadAsync(Stats.StatsRequest request, CancellationToken ct)
    {
        var client = http.CreateClient(YouTubePublisher.HttpClientName);
        var id = request.Publication.PlatformId ?? throw new PublishRejectedException("The publication has no YouTube video id.");
        using var response = await PlatformHttp.SendAsync(client, request.AccessTokenAsync, "YouTube", TimeSpan.FromSeconds(60),
            () => new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(Options.ApiBaseUrl), $"youtube/v3/videos?part=statistics&id={Uri.EscapeDataString(id)}")), ct);
        await YouTubePublisher.EnsureSuccessAsync(response, "reading the video's numbers", ct);
        using var doc = JsonDocument.Parse(await PlatformHttp.ReadCappedAsync(response, ct));
        if (!doc.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0
            || !items[0].TryGetProperty("statistics", out var stats) || stats.ValueKind != JsonValueKind.Object)
        {
            throw new PublishRejectedException("YouTube no longer lists the video (deleted, or made private).");
        }
        // YouTube sends counts as strings; a hidden count is left out.
        static long? Count(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && long.TryParse(v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        double? minutes;
        string? note;
        try
        {
            (minutes, note) = await WatchMinutesAsync(client, request, id, ct);
        }
        catch (Exception ex) when (ex is PublishTransientException or PublishRejectedException or PublishQuotaException)
        {
            // Watch time is a bonus: the counts are kept and the reason is shown with them.
            (minutes, note) = (null, $"Watch time could not be read: {ex.Message}");
        }
        return new Stats.PublicationNumbers(Count(stats, "viewCount"), Count(stats, "likeCount"), Count(stats, "commentCount"), WatchMinutes: minutes, Note: note);
    }

    /// <summary>Minutes watched since it went live; YouTube Analytics trails by a day or two, so early readings have none yet.</summary>
    private async Task<(double? Minutes, string? Note)> WatchMinutesAsync(HttpClient client, Stats.StatsRequest request, string id, CancellationToken ct)
    {
        var from = (request.Publication.PublishedAt ?? time.GetUtcNow()).UtcDateTime.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var query = $"v2/reports?ids=channel%3D%3DMINE&startDate={from}&endDate={to}&metrics=estimatedMinutesWatched&filters=video%3D%3D{Uri.EscapeDataString(id)}";
        using var response = await PlatformHttp.SendAsync(client, request.AccessTokenAsync, "YouTube Analytics", TimeSpan.FromSeconds(60),
            () => new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(Options.AnalyticsBaseUrl), query)), ct);
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            // The counts are still worth keeping; the admin learns how to get watch time too.
            return (null, "Watch time needs the channel reconnected with YouTube Analytics access (yt-analytics.readonly).");
        }
        await YouTubePublisher.EnsureSuccessAsync(response, "reading the video's watch time", ct);
        using var doc = JsonDocument.Parse(await PlatformHttp.ReadCappedAsync(response, ct));
        var root = doc.RootElement;
        if (!root.TryGetProperty("columnHeaders", out var headers) || headers.ValueKind != JsonValueKind.Array
            || !root.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array || rows.GetArrayLength() == 0)
        {
            return (null, null);
        }
        var column = headers.EnumerateArray().Select((h, i) => (Name: h.TryGetProperty("name", out var n) ? n.GetString() : null, Index: i))
            .FirstOrDefault(h => h.Name == "estimatedMinutesWatched");
        var row = rows[0];
        return column.Name is not null && row.ValueKind == JsonValueKind.Array && row.GetArrayLength() > column.Index
            && row[column.Index].ValueKind == JsonValueKind.Number ? (row[column.Index].GetDouble(), null) : (null, null);
    }
}
