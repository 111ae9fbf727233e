using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Trends.Sources;

/// <summary>YouTube's most popular videos in a region (Data API v3 videos.list chart=mostPopular); the key goes in a header.</summary>
public sealed class YouTubeTrendReader(IOptions<TrendOptions> options) : ITrendReader
{
    public TrendSourceKind Kind => TrendSourceKind.YouTube;

    public string? Unconfigured => string.IsNullOrWhiteSpace(options.Value.YouTube.ApiKey)
        ? "No YouTube Data API key is configured (Trends:YouTube:ApiKey)."
        : null;

    public string? Validate(string address, TrendSourceSettings settings) =>
        address.Trim() is { Length: 2 } region && region.All(char.IsAsciiLetter) ? null : "Give a two-letter region code (US, DE, BR…).";

    public async Task ReadAsync(TrendSource source, TrendRequests requests, List<FetchedTrend> into, CancellationToken ct)
    {
        if (Unconfigured is { } missing)
        {
            throw new TrendSourceException(missing);
        }
        var region = source.Address.Trim().ToUpperInvariant();
        var url = new Uri(new Uri(options.Value.YouTube.BaseUrl), $"videos?part=snippet%2Cstatistics&chart=mostPopular&regionCode={region}&maxResults={Math.Clamp(source.MaxItems, 1, 50)}");
        var answer = await requests.GetAsync(url, ct, configure: r => r.Headers.Add("X-Goog-Api-Key", options.Value.YouTube.ApiKey));
        using var doc = TrendJson.Parse(answer, "YouTube answer");
        if (!doc.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new TrendSourceException("YouTube answered without a list of videos.");
        }
        foreach (var video in items.EnumerateArray())
        {
            if (TrendJson.String(video, "id") is not { Length: > 0 and < 64 } id || !video.TryGetProperty("snippet", out var snippet))
            {
                continue;
            }
            var views = video.TryGetProperty("statistics", out var stats) ? TrendJson.Number(stats, "viewCount") : 0;
            string? picture = null;
            if (snippet.TryGetProperty("thumbnails", out var thumbs) && thumbs.ValueKind == JsonValueKind.Object)
            {
                picture = new[] { "high", "medium", "default" }.Select(k => thumbs.TryGetProperty(k, out var t) ? TrendJson.String(t, "url") : null).FirstOrDefault(u => u is not null);
            }
            into.Add(new FetchedTrend(id, TrendJson.String(snippet, "title"))
            {
                Summary = TrendJson.String(snippet, "description"),
                Url = $"https://www.youtube.com/watch?v={Uri.EscapeDataString(id)}",
                Score = views,
                PublishedAt = snippet.TryGetProperty("publishedAt", out var published) ? TrendJson.Time(published) : null,
                Language = TrendJson.String(snippet, "defaultAudioLanguage") ?? TrendJson.String(snippet, "defaultLanguage"),
                PictureUrl = picture,
            });
        }
    }
}
