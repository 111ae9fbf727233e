using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Publishing;

public sealed record PublicationRow(long Id, int ChannelId, string Status, DateTimeOffset ScheduledFor, string? PlatformId, string? Url, string? Error, string? UploadSession);

/// <summary>Test helpers around a studio with channels: create, connect (OAuth), publish, read publications.</summary>
public sealed class PublishingStudio(StudioProcess studio, string adminKey, string reviewerKey)
{
    public string ReviewerKey => reviewerKey;

    public StudioProcess Studio => studio;

    public async Task<int> CreateChannelAsync(object channel)
    {
        var response = await studio.Client(adminKey).PostAsJsonAsync("api/channels", channel);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    /// <summary>The admin's browser through the OAuth dance: connect → provider consent → callback.</summary>
    public Task ConnectAsync(int channelId, LoopbackYouTube provider) => ConnectAsync(channelId, provider.Consent);

    public async Task ConnectAsync(int channelId, Func<string, string> consent)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = studio.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        var start = await client.GetAsync($"channels/{channelId}/connect");
        Assert.True(start.StatusCode == HttpStatusCode.Redirect, $"{start.StatusCode}: {await start.Content.ReadAsStringAsync()}");
        var back = consent(start.Headers.Location!.ToString());
        var done = await client.GetAsync(back);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Contains("connect=ok", done.Headers.Location!.ToString());
    }

    public async Task PublishAsync(Guid videoId, int channelId, string slot = "now")
    {
        var response = await studio.Client(reviewerKey).PostAsJsonAsync($"api/videos/{videoId}/publications", new { channels = new[] { channelId }, slot });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    public async Task<PublicationRow?> PublicationAsync(Guid videoId, int channelId)
    {
        await using var conn = new NpgsqlConnection(studio.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT id, channel_id, status, scheduled_for, platform_id, url, error, upload_session FROM publications WHERE video_id = $1 AND channel_id = $2", conn);
        cmd.Parameters.AddWithValue(videoId);
        cmd.Parameters.AddWithValue(channelId);
        await using var reader = await cmd.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new PublicationRow(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7))
            : null;
    }

    public async Task<PublicationRow> WaitForAsync(Guid videoId, int channelId, string status, TimeSpan? timeout = null)
    {
        PublicationRow? row = null;
        await Eventually.WaitAsync(async () => (row = await PublicationAsync(videoId, channelId))?.Status == status, timeout ?? TimeSpan.FromSeconds(60),
            () => $"Publication on channel {channelId} did not become {status}: {row}\n{studio.Log[^Math.Min(6000, studio.Log.Length)..]}");
        return row!;
    }

    /// <summary>The publication's minutes watched and the note of its last reading.</summary>
    public async Task<(double? WatchMinutes, string? Note)> WatchAsync(Guid videoId, int channelId)
    {
        await using var conn = new NpgsqlConnection(studio.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT watch_minutes, stats_note FROM publications WHERE video_id = $1 AND channel_id = $2", conn);
        cmd.Parameters.AddWithValue(videoId);
        cmd.Parameters.AddWithValue(channelId);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.IsDBNull(0) ? null : reader.GetDouble(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>Waits until the publication's numbers have been read from the platform, and returns them.</summary>
    public async Task<(long? Views, long? Likes, long? Comments)> NumbersAsync(Guid videoId, int channelId)
    {
        (long?, long?, long?) numbers = default;
        await Eventually.WaitAsync(async () =>
        {
            await using var conn = new NpgsqlConnection(studio.ConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT views, likes, comments, stats_at, stats_note FROM publications WHERE video_id = $1 AND channel_id = $2", conn);
            cmd.Parameters.AddWithValue(videoId);
            cmd.Parameters.AddWithValue(channelId);
            await using var reader = await cmd.ExecuteReaderAsync();
            if (!await reader.ReadAsync() || reader.IsDBNull(3))
            {
                return false;
            }
            numbers = (reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2));
            return true;
        }, TimeSpan.FromSeconds(60), () => $"The numbers of the publication on channel {channelId} were never read.\n{studio.Log[^Math.Min(4000, studio.Log.Length)..]}");
        return numbers;
    }

    public async Task<string> ScalarAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(studio.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToString(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
