using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Publishing;

/// <summary>
/// The studio publishing to a loopback YouTube (and Google's token endpoint): connect with PKCE, a
/// resumable upload that survives a dropped connection and a SIGKILL in each phase without a second
/// video, the synthetic-media flag, the thumbnail, quota moving the slot, and a revoked grant.
/// </summary>
public sealed class YouTubePublishingTests
{
    [Fact]
    public async Task A_video_goes_to_YouTube_exactly_once_through_drops_kills_quota_and_a_revoked_grant()
    {
        await using var youtube = new LoopbackYouTube();
        var cs = await TestEnvironment.CreateDatabaseAsync("youtube");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("youtube"), new()
        {
            ["Publishing__YouTube__ApiBaseUrl"] = youtube.BaseUrl,
            ["Publishing__YouTube__AnalyticsBaseUrl"] = youtube.BaseUrl,
            ["Publishing__YouTube__ChunkBytes"] = (256 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Publishing__YouTube__RequestTimeoutSeconds"] = "5",
            ["Publishing__Google__AuthorizeUrl"] = youtube.BaseUrl + "authorize",
            ["Publishing__Google__TokenUrl"] = youtube.BaseUrl + "token",
            ["Publishing__Google__ClientId"] = LoopbackYouTube.ClientId,
            ["Publishing__Google__ClientSecret"] = LoopbackYouTube.ClientSecret,
            ["Publishing__RetryBaseDelaySeconds"] = "0.3",
            ["Publishing__RetryMaxDelaySeconds"] = "1",
            ["Publishing__Stats__FirstAfterSeconds"] = "1",
        });
        await studio.StartAsync();
        var admin = await studio.IssueApiKeyAsync("admin");
        var reviewer = await studio.IssueApiKeyAsync("reviewer");
        var creator = await studio.IssueApiKeyAsync("creator");
        var desk = new PublishingStudio(studio, admin, reviewer);

        var videoId = await TestScripts.CreateVideoAsync(studio.Client(creator), TestScripts.Brief(scenes: 4, title: "Tides explained"));
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        var final = (await db.ArtifactsAsync(videoId)).Single(a => a.Kind == "final");

        // A: connected with PKCE; the first chunk's connection drops half-way and the upload resumes.
        var a = await desk.CreateChannelAsync(Channel("Shorts A"));
        await desk.ConnectAsync(a, youtube);
        youtube.DropNextChunks = 1;
        var approve = await studio.Client(reviewer).PostAsJsonAsync($"api/videos/{videoId}/approve", new { channels = new[] { a }, slot = "now" });
        Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());
        var liveA = await desk.WaitForAsync(videoId, a, "Live");
        var uploaded = Assert.Single(youtube.Videos);
        Assert.Equal(final.Sha256, Convert.ToHexStringLower(SHA256.HashData(uploaded.Bytes!)));
        Assert.Equal(final.Sha256, uploaded.Sha256);
        Assert.Equal(uploaded.Id, liveA.PlatformId);
        Assert.Equal($"https://www.youtube.com/shorts/{uploaded.Id}", liveA.Url);
        var status = uploaded.Metadata["status"]!;
        Assert.True(status["containsSyntheticMedia"]!.GetValue<bool>());
        Assert.False(status["selfDeclaredMadeForKids"]!.GetValue<bool>());
        Assert.Equal("unlisted", status["privacyStatus"]!.GetValue<string>());
        Assert.Equal("Tides explained", uploaded.Metadata["snippet"]!["title"]!.GetValue<string>());
        Assert.Contains("Made with AI", uploaded.Metadata["snippet"]!["description"]!.GetValue<string>());
        Assert.True(youtube.Thumbnails.TryGetValue(uploaded.Id, out var thumbBytes) && thumbBytes > 1000, "The poster was not set as the thumbnail.");
        Assert.Equal("Published", await db.VideoStatusAsync(videoId));
        Assert.Equal(1, youtube.UploadStarts);
        // The numbers back: read from videos.list a moment after it went live.
        var numbers = await desk.NumbersAsync(videoId, a);
        var expected = LoopbackYouTube.NumbersOf(uploaded.Id);
        Assert.Equal(((long?)expected.Views, (long?)expected.Likes, (long?)expected.Comments), numbers);
        // Watch time from YouTube Analytics (reports.query for the channel's own video).
        Assert.Equal(((double?)LoopbackYouTube.WatchMinutesOf(uploaded.Id), (string?)null), await desk.WatchAsync(videoId, a));

        // B: SIGKILL while a chunk is in flight; after a restart the same session resumes.
        var b = await desk.CreateChannelAsync(Channel("Shorts B"));
        await desk.ConnectAsync(b, youtube);
        youtube.HoldPhase = "chunk";
        await desk.PublishAsync(videoId, b);
        await youtube.Held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await studio.KillAsync();
        youtube.Release();
        await studio.StartAsync();
        await desk.WaitForAsync(videoId, b, "Live");
        Assert.Equal(2, youtube.Videos.Count);
        Assert.Equal(2, youtube.UploadStarts);

        // C: SIGKILL after YouTube made the video but before the studio heard its id: asked, not re-sent.
        var c = await desk.CreateChannelAsync(Channel("Shorts C"));
        await desk.ConnectAsync(c, youtube);
        youtube.HoldPhase = "final";
        await desk.PublishAsync(videoId, c);
        await youtube.Held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await studio.KillAsync();
        youtube.Release();
        await studio.StartAsync();
        var liveC = await desk.WaitForAsync(videoId, c, "Live");
        Assert.Equal(3, youtube.Videos.Count);
        Assert.Equal(3, youtube.UploadStarts);
        Assert.Equal(youtube.Videos.Last().Id, liveC.PlatformId);

        // D: quota used up: moved to the channel's next slot tomorrow, with the reason, not failed.
        var d = await desk.CreateChannelAsync(Channel("Shorts D", slots: "daily 09:00", zone: "Europe/Berlin"));
        await desk.ConnectAsync(d, youtube);
        youtube.QuotaExceeded = true;
        await desk.PublishAsync(videoId, d, "now");
        PublicationRow? moved = null;
        await Eventually.WaitAsync(async () => (moved = await desk.PublicationAsync(videoId, d)) is { Status: "Scheduled", Error: not null },
            TimeSpan.FromSeconds(60), () => $"{moved}\n{studio.Log}");
        Assert.Contains("quotaExceeded", moved!.Error);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var local = TimeZoneInfo.ConvertTime(moved.ScheduledFor, berlin);
        Assert.Equal(new TimeSpan(9, 0, 0), local.TimeOfDay);
        Assert.True(DateOnly.FromDateTime(local.DateTime) > DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, berlin).DateTime));
        youtube.QuotaExceeded = false;

        // E: the grant is revoked: the publication waits, the channel says "needs reconnect"; reconnecting resumes it.
        var e = await desk.CreateChannelAsync(Channel("Shorts E"));
        await desk.ConnectAsync(e, youtube);
        youtube.RevokeAll();
        await desk.PublishAsync(videoId, e);
        var waiting = await desk.WaitForAsync(videoId, e, "NeedsReconnect");
        Assert.Contains("invalid_grant", waiting.Error);
        var channels = await studio.Client(reviewer).GetFromJsonAsync<JsonElement>("api/channels");
        Assert.True(channels.EnumerateArray().Single(x => x.GetProperty("id").GetInt32() == e).GetProperty("needsReconnect").GetBoolean());
        await desk.ConnectAsync(e, youtube);
        await desk.WaitForAsync(videoId, e, "Live");
        Assert.Equal(4, youtube.Videos.Count);

        // F: YouTube stops answering mid-chunk: the request times out and the same session resumes.
        var f = await desk.CreateChannelAsync(Channel("Shorts F"));
        await desk.ConnectAsync(f, youtube);
        youtube.HoldPhase = "chunk";
        await desk.PublishAsync(videoId, f);
        await youtube.Held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await desk.WaitForAsync(videoId, f, "Live");
        youtube.Release();
        Assert.Equal(5, youtube.Videos.Count);
        Assert.Equal(5, youtube.UploadStarts);

        // Exactly once per (video, channel), and tokens never in the log or the database in clear.
        Assert.Equal(5, youtube.Videos.Select(v => v.Id).Distinct().Count());
        var secrets = await desk.ScalarAsync("SELECT string_agg(coalesce(protected_secret, ''), ' ') FROM channels");
        foreach (var token in youtube.IssuedAccessTokens.Concat(youtube.IssuedRefreshTokens))
        {
            Assert.DoesNotContain(token, studio.Log);
            Assert.DoesNotContain(token, secrets);
        }
        Assert.DoesNotContain(LoopbackYouTube.ClientSecret, studio.Log);
        Assert.Contains("refresh_token", youtube.TokenRequests);
        Assert.Empty(youtube.ProtocolErrors);
    }

    [Fact]
    public async Task A_public_video_for_a_later_slot_is_uploaded_ahead_held_by_YouTube_and_live_at_its_slot()
    {
        await using var youtube = new LoopbackYouTube();
        var cs = await TestEnvironment.CreateDatabaseAsync("youtubeahead");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("youtubeahead"), new()
        {
            ["Publishing__YouTube__ApiBaseUrl"] = youtube.BaseUrl,
            ["Publishing__YouTube__AnalyticsBaseUrl"] = youtube.BaseUrl,
            ["Publishing__YouTube__ChunkBytes"] = (256 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Real defaults are 120 minutes ahead and publishAt at least 15 minutes out; a test cannot wait that long.
            ["Publishing__YouTube__UploadAheadMinutes"] = "10",
            ["Publishing__YouTube__PublishAtMinimumSeconds"] = "20",
            ["Publishing__Google__AuthorizeUrl"] = youtube.BaseUrl + "authorize",
            ["Publishing__Google__TokenUrl"] = youtube.BaseUrl + "token",
            ["Publishing__Google__ClientId"] = LoopbackYouTube.ClientId,
            ["Publishing__Google__ClientSecret"] = LoopbackYouTube.ClientSecret,
        });
        await studio.StartAsync();
        var desk = new PublishingStudio(studio, await studio.IssueApiKeyAsync("admin"), await studio.IssueApiKeyAsync("reviewer"));
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), TestScripts.Brief(scenes: 4, title: "Held for the slot"));
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        var channel = await desk.CreateChannelAsync(Channel("Shorts public", privacy: "public"));
        await desk.ConnectAsync(channel, youtube);

        // The slot is 75 s away: inside the upload-ahead window and past publishAt's minimum, so it is uploaded now.
        var slot = DateTimeOffset.UtcNow.AddSeconds(75);
        slot = slot.AddTicks(-(slot.Ticks % TimeSpan.TicksPerSecond));
        var approve = await studio.Client(desk.ReviewerKey).PostAsJsonAsync($"api/videos/{videoId}/approve", new { channels = new[] { channel }, slot = "at", publishAt = slot });
        Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());
        await Eventually.WaitAsync(() => Task.FromResult(!youtube.Videos.IsEmpty), TimeSpan.FromSeconds(50), () => studio.Log);
        var uploaded = Assert.Single(youtube.Videos);
        Assert.True(DateTimeOffset.UtcNow < slot, "The upload did not happen ahead of the slot.");
        var status = uploaded.Metadata["status"]!;
        Assert.Equal("private", status["privacyStatus"]!.GetValue<string>());
        Assert.Equal(slot, DateTimeOffset.Parse(status["publishAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(status["containsSyntheticMedia"]!.GetValue<bool>());
        // Held by YouTube: the studio does not call it live before the slot.
        var held = await desk.WaitForAsync(videoId, channel, "Processing");
        Assert.Equal(uploaded.Id, held.PlatformId);
        Assert.Equal("private", LoopbackYouTube.PrivacyOf(uploaded, DateTimeOffset.UtcNow));

        // At the slot YouTube makes it public and the studio records it live, uploaded once.
        var live = await desk.WaitForAsync(videoId, channel, "Live", TimeSpan.FromSeconds(150));
        Assert.True(DateTimeOffset.UtcNow >= slot, "It was called live before its slot.");
        Assert.Equal($"https://www.youtube.com/shorts/{uploaded.Id}", live.Url);
        Assert.Equal(1, youtube.UploadStarts);
        Assert.Single(youtube.Videos);
    }

    private static object Channel(string name, string slots = "", string zone = "UTC", string privacy = "unlisted") => new
    {
        name,
        platform = "YouTube",
        timeZone = zone,
        slots,
        dailyCap = 50,
        defaultPrivacy = privacy,
        aiDisclosure = "Made with AI: script, pictures and voice.",
        isDefault = false,
    };
}
