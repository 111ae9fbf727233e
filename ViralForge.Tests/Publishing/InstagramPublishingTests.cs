using System.Net;
using System.Net.Http.Json;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Publishing;

/// <summary>
/// The studio publishing reels to a loopback Instagram Graph API (and Facebook Login): the loopback
/// fetches the signed media link with range requests, containers that end ERROR or EXPIRED, the
/// publishing limit, a SIGKILL after <c>media_publish</c> made the reel but before the studio heard,
/// and the AI flag.
/// </summary>
public sealed class InstagramPublishingTests
{
    [Fact]
    public async Task A_reel_is_published_once_through_a_kill_an_expired_and_a_failed_container_and_the_limit()
    {
        await using var meta = new LoopbackMeta();
        var cs = await TestEnvironment.CreateDatabaseAsync("instagram");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("instagram"), new()
        {
            ["Publishing__Instagram__GraphBaseUrl"] = meta.GraphUrl,
            ["Publishing__Meta__AuthorizeUrl"] = meta.BaseUrl + "dialog/oauth",
            ["Publishing__Meta__TokenUrl"] = meta.GraphUrl + "oauth/access_token",
            ["Publishing__Meta__ClientId"] = LoopbackMeta.AppId,
            ["Publishing__Meta__ClientSecret"] = LoopbackMeta.AppSecret,
            ["Publishing__StatusPollSeconds"] = "0.2",
            ["Publishing__RetryBaseDelaySeconds"] = "0.3",
            ["Publishing__RetryMaxDelaySeconds"] = "1",
            ["Publishing__Stats__FirstAfterSeconds"] = "1",
        });
        studio.Settings["Publishing__PublicBaseUrl"] = studio.BaseAddress.ToString().TrimEnd('/');
        await studio.StartAsync();
        var admin = await studio.IssueApiKeyAsync("admin");
        var reviewer = await studio.IssueApiKeyAsync("reviewer");
        var creator = await studio.IssueApiKeyAsync("creator");
        var desk = new PublishingStudio(studio, admin, reviewer);

        // Instagram's real quota: a cap above 50 per day is refused with the reason.
        var tooMany = await studio.Client(admin).PostAsJsonAsync("api/channels", new { name = "Too many", platform = "Instagram", dailyCap = 60 });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("50", await tooMany.Content.ReadAsStringAsync());

        var videoId = await TestScripts.CreateVideoAsync(studio.Client(creator), TestScripts.Brief(scenes: 4, title: "Octopus hearts"));
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        var final = (await db.ArtifactsAsync(videoId)).Single(a => a.Kind == "final");
        var approve = await studio.Client(reviewer).PostAsJsonAsync($"api/videos/{videoId}/approve", new { channels = new[] { 1 }, slot = "now" });
        Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());

        // A: the first container expires before it is published: a new one is made and published.
        var a = await desk.CreateChannelAsync(Channel("Reels A"));
        await desk.ConnectAsync(a, meta.Consent);
        meta.NextContainerOutcome = "EXPIRED";
        await desk.PublishAsync(videoId, a);
        var liveA = await desk.WaitForAsync(videoId, a, "Live");
        var reel = Assert.Single(meta.Published);
        Assert.Equal(reel.Id, liveA.PlatformId);
        Assert.Equal(reel.Permalink, liveA.Url);
        Assert.Equal(2, meta.Containers.Count);
        var used = meta.Containers.Last();
        Assert.Equal(final.Sha256, used.Sha256);
        Assert.Equal(2, used.RangesAnswered.Count);
        Assert.StartsWith("bytes 0-", used.RangesAnswered[0]);
        Assert.Equal("REELS", used.Form["media_type"]);
        Assert.Equal("true", used.Form["is_ai_generated"]);
        Assert.Contains("Octopus hearts", used.Form["caption"]);
        Assert.Contains("Made with AI", used.Form["caption"]);
        Assert.True(meta.LimitReads >= 2, "The publishing limit is read before each post.");
        Assert.Equal(((long?)2400, (long?)87, (long?)9), await desk.NumbersAsync(videoId, a));
        Assert.Equal(((double?)(LoopbackMeta.WatchMilliseconds / 60_000.0), (string?)null), await desk.WatchAsync(videoId, a));

        // The signed link the fetcher used refuses a changed byte.
        var link = used.Form["video_url"];
        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(link)).StatusCode);
        var tampered = link[..^3] + (link[^3] == 'A' ? 'B' : 'A') + link[^2..];
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(tampered)).StatusCode);

        // B: SIGKILL after Instagram made the reel, before the studio heard its id: found by its caption, not published again.
        var b = await desk.CreateChannelAsync(Channel("Reels B"));
        await desk.ConnectAsync(b, meta.Consent);
        meta.HoldPublish = true;
        await desk.PublishAsync(videoId, b);
        await meta.Held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await studio.KillAsync();
        meta.Release();
        await studio.StartAsync();
        var liveB = await desk.WaitForAsync(videoId, b, "Live");
        Assert.Equal(2, meta.Published.Count);
        Assert.Contains(meta.Published, m => m.Id == liveB.PlatformId);

        // C: the container ends in ERROR: failed with Instagram's words; a retry makes a new container and goes live.
        var c = await desk.CreateChannelAsync(Channel("Reels C"));
        await desk.ConnectAsync(c, meta.Consent);
        meta.NextContainerOutcome = "ERROR";
        await desk.PublishAsync(videoId, c);
        var failed = await desk.WaitForAsync(videoId, c, "Failed");
        Assert.Contains("2207026", failed.Error);
        var retry = await studio.Client(reviewer).PostAsync($"api/publications/{failed.Id}/retry", null);
        Assert.True(retry.IsSuccessStatusCode, await retry.Content.ReadAsStringAsync());
        await desk.WaitForAsync(videoId, c, "Live");
        Assert.Equal(3, meta.Published.Count);

        // D: the limit is used up: moved to a later slot with the reason; E: the AI flag refused: published, refusal shown.
        var d = await desk.CreateChannelAsync(Channel("Reels D", slots: "daily 10:00"));
        await desk.ConnectAsync(d, meta.Consent);
        meta.QuotaUsage = 50;
        await desk.PublishAsync(videoId, d, "now");
        PublicationRow? moved = null;
        await Eventually.WaitAsync(async () => (moved = await desk.PublicationAsync(videoId, d)) is { Status: "Scheduled", Error: not null },
            TimeSpan.FromSeconds(60), () => $"{moved}\n{studio.Log}");
        Assert.Contains("50 of 50", moved!.Error);
        Assert.True(moved.ScheduledFor > DateTimeOffset.UtcNow);
        meta.QuotaUsage = 0;
        meta.RefuseAiFlag = true;
        var e = await desk.CreateChannelAsync(Channel("Reels E"));
        await desk.ConnectAsync(e, meta.Consent);
        await desk.PublishAsync(videoId, e);
        var liveE = await desk.WaitForAsync(videoId, e, "Live");
        Assert.Contains("is_ai_generated", liveE.Error);

        // Exactly one reel per (video, channel); tokens only in headers, never in the log.
        Assert.Equal(4, meta.Published.Count);
        Assert.Equal(4, meta.Published.Select(m => m.ContainerId).Distinct().Count());
        Assert.Empty(meta.Slips);
        Assert.Contains("fb_exchange_token", meta.TokenRequests);
        foreach (var token in meta.IssuedTokens)
        {
            Assert.DoesNotContain(token, studio.Log);
        }
        Assert.DoesNotContain(LoopbackMeta.AppSecret, studio.Log);
    }

    [Fact]
    public void Graph_API_times_are_read()
    {
        Assert.Equal(DateTimeOffset.Parse("2026-12-03T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            Core.Publishing.Instagram.InstagramPublisher.GraphTime("2026-12-03T10:00:00+0100"));
        Assert.Null(Core.Publishing.Instagram.InstagramPublisher.GraphTime("yesterday"));
    }

    private static object Channel(string name, string slots = "") => new
    {
        name,
        platform = "Instagram",
        timeZone = "UTC",
        slots,
        dailyCap = 25,
        defaultPrivacy = "public",
        aiDisclosure = "Made with AI: script, pictures and voice.",
        isDefault = false,
    };
}
