using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using ViralForge.Core.Publishing;
using ViralForge.Core.Publishing.TikTok;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Publishing;

/// <summary>
/// The studio posting to a loopback TikTok (Login Kit token endpoint included): the chunk plan the
/// platform requires, chunks in order through a SIGKILL without a second post, <c>is_aigc</c> sent (and
/// a refusal of it recorded), only offered privacy levels used, a FAILED post with its reason, the
/// inbox mode, and processing waited out without holding a worker.
/// </summary>
public sealed class TikTokPublishingTests
{
    private const int MinChunk = 64 * 1024;
    private const int MaxChunk = 128 * 1024;

    [Fact]
    public async Task A_video_is_posted_to_TikTok_once_in_order_with_its_AI_flag_through_a_kill_refusals_and_failures()
    {
        await using var tiktok = new LoopbackTikTok(MinChunk, MaxChunk);
        var cs = await TestEnvironment.CreateDatabaseAsync("tiktok");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("tiktok"), new()
        {
            ["Publishing__TikTok__ApiBaseUrl"] = tiktok.BaseUrl,
            ["Publishing__TikTok__ChunkBytes"] = MinChunk.ToString(CultureInfo.InvariantCulture),
            ["Publishing__TikTok__MinChunkBytes"] = MinChunk.ToString(CultureInfo.InvariantCulture),
            ["Publishing__TikTok__MaxChunkBytes"] = MaxChunk.ToString(CultureInfo.InvariantCulture),
            ["Publishing__TikTokLogin__AuthorizeUrl"] = tiktok.BaseUrl + "v2/auth/authorize/",
            ["Publishing__TikTokLogin__TokenUrl"] = tiktok.BaseUrl + "v2/oauth/token/",
            ["Publishing__TikTokLogin__ClientId"] = LoopbackTikTok.ClientKey,
            ["Publishing__TikTokLogin__ClientSecret"] = LoopbackTikTok.ClientSecret,
            ["Publishing__StatusPollSeconds"] = "0.2",
            // Shorter than the loopback's processing: the job frees its worker and the dispatcher asks again.
            ["Publishing__InlineWaitSeconds"] = "0.3",
            ["Publishing__RetryBaseDelaySeconds"] = "0.3",
            ["Publishing__RetryMaxDelaySeconds"] = "1",
            ["Publishing__Stats__FirstAfterSeconds"] = "1",
        });
        await studio.StartAsync();
        var admin = await studio.IssueApiKeyAsync("admin");
        var reviewer = await studio.IssueApiKeyAsync("reviewer");
        var creator = await studio.IssueApiKeyAsync("creator");
        var desk = new PublishingStudio(studio, admin, reviewer);

        var videoId = await TestScripts.CreateVideoAsync(studio.Client(creator), TestScripts.Brief(scenes: 4, title: "Why cats purr"));
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        var final = (await db.ArtifactsAsync(videoId)).Single(a => a.Kind == "final");
        var approve = await studio.Client(reviewer).PostAsJsonAsync($"api/videos/{videoId}/approve", new { channels = new[] { 1 }, slot = "now" });
        Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());

        // A: a direct public post, killed while a middle chunk's answer is on its way; the restart asks TikTok and goes on.
        var a = await desk.CreateChannelAsync(Channel("TikTok A", "public"));
        await desk.ConnectAsync(a, tiktok.Consent);
        tiktok.HoldNextChunk = true;
        await desk.PublishAsync(videoId, a);
        await tiktok.Held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await studio.KillAsync();
        tiktok.Release();
        await studio.StartAsync();
        var liveA = await desk.WaitForAsync(videoId, a, "Live");
        var post = Assert.Single(tiktok.Posts);
        var plan = TikTokChunkPlan.For(post.Size, new TikTokOptions { ChunkBytes = MinChunk, MinChunkBytes = MinChunk, MaxChunkBytes = MaxChunk });
        Assert.True(plan.Count > 2, $"The cut ({post.Size} bytes) should need several chunks.");
        Assert.Equal(plan.Count, post.Chunks.Count);
        Assert.Equal(Enumerable.Range(0, plan.Count).Select(plan.Range), post.Chunks);
        Assert.Equal(final.Sha256, Convert.ToHexStringLower(SHA256.HashData(post.Bytes.ToArray())));
        var info = post.Init["post_info"]!;
        Assert.True(info["is_aigc"]!.GetValue<bool>());
        Assert.Equal("PUBLIC_TO_EVERYONE", info["privacy_level"]!.GetValue<string>());
        Assert.Contains("Why cats purr", info["title"]!.GetValue<string>());
        Assert.Contains("Made with AI", info["title"]!.GetValue<string>());
        Assert.Equal($"https://www.tiktok.com/@forge.studio/video/{post.PostId}", liveA.Url);
        Assert.Equal(post.PostId, liveA.PlatformId);
        Assert.Equal(((long?)5000, (long?)321, (long?)12), await desk.NumbersAsync(videoId, a));

        // B: this API version refuses is_aigc: posted without it, and the refusal is on the publication.
        tiktok.RefuseAigc = true;
        var b = await desk.CreateChannelAsync(Channel("TikTok B", "public"));
        await desk.ConnectAsync(b, tiktok.Consent);
        await desk.PublishAsync(videoId, b);
        var liveB = await desk.WaitForAsync(videoId, b, "Live");
        Assert.Contains("is_aigc", liveB.Error);
        Assert.False(tiktok.Posts.Last().Init["post_info"]!.AsObject().ContainsKey("is_aigc"));
        tiktok.RefuseAigc = false;

        // C: the account may only post privately: the offered level is used and the page says so.
        tiktok.PrivacyOptions = ["SELF_ONLY"];
        var c = await desk.CreateChannelAsync(Channel("TikTok C", "public"));
        await desk.ConnectAsync(c, tiktok.Consent);
        await desk.PublishAsync(videoId, c);
        var liveC = await desk.WaitForAsync(videoId, c, "Live");
        Assert.Equal("SELF_ONLY", tiktok.Posts.Last().Init["post_info"]!["privacy_level"]!.GetValue<string>());
        Assert.Contains("SELF_ONLY", liveC.Error);
        tiktok.PrivacyOptions = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"];

        // D: TikTok fails the post in processing: failed with TikTok's reason, not retried as if nothing happened.
        tiktok.FailNextWith = "duration_check_failed";
        var d = await desk.CreateChannelAsync(Channel("TikTok D", "public"));
        await desk.ConnectAsync(d, tiktok.Consent);
        await desk.PublishAsync(videoId, d);
        var failed = await desk.WaitForAsync(videoId, d, "Failed");
        Assert.Contains("duration_check_failed", failed.Error);

        // E: inbox mode: no post_info, the creator finishes it in the app.
        var e = await desk.CreateChannelAsync(new { name = "TikTok E", platform = "TikTok", defaultPrivacy = "public", tikTokMode = "inbox", dailyCap = 10, aiDisclosure = "Made with AI." });
        await desk.ConnectAsync(e, tiktok.Consent);
        await desk.PublishAsync(videoId, e);
        var liveE = await desk.WaitForAsync(videoId, e, "Live");
        Assert.True(tiktok.Posts.Last().Inbox);
        Assert.Null(tiktok.Posts.Last().Init["post_info"]);
        Assert.Contains("inbox", liveE.Error);

        // Exactly once per (video, channel); the pending path freed workers (no attempt spent on waiting).
        Assert.Equal(4, tiktok.Finished.Count());
        Assert.Equal(5, tiktok.Posts.Count);
        Assert.Empty(tiktok.ProtocolErrors);
        Assert.Contains("TikTok is processing the video. Asking again", studio.Log);
        foreach (var token in tiktok.IssuedTokens)
        {
            Assert.DoesNotContain(token, studio.Log);
        }
        Assert.DoesNotContain(LoopbackTikTok.ClientSecret, studio.Log);
    }

    [Theory]
    [InlineData(3L * 1024 * 1024, 3L * 1024 * 1024, 1)]
    [InlineData(10L * 1024 * 1024, 10L * 1024 * 1024, 1)]
    [InlineData(25L * 1024 * 1024, 10L * 1024 * 1024, 2)]
    [InlineData(200L * 1024 * 1024, 10L * 1024 * 1024, 20)]
    [InlineData(205L * 1024 * 1024 + 17, 10L * 1024 * 1024, 20)]
    public void The_chunk_plan_follows_TikToks_rules(long size, long chunk, int count)
    {
        var plan = TikTokChunkPlan.For(size, new TikTokOptions());
        Assert.Equal((chunk, count), (plan.ChunkSize, plan.Count));
        var ranges = Enumerable.Range(0, plan.Count).Select(plan.Range).ToList();
        Assert.Equal(0, ranges[0].First);
        Assert.Equal(size - 1, ranges[^1].Last);
        Assert.All(ranges.Zip(ranges.Skip(1)), pair => Assert.Equal(pair.First.Last + 1, pair.Second.First));
        // Every chunk but the last within 5–64 MB; the last at most 128 MB; a small file whole.
        Assert.All(ranges[..^1], r => Assert.InRange(r.Last - r.First + 1, 5L * 1024 * 1024, 64L * 1024 * 1024));
        Assert.InRange(ranges[^1].Last - ranges[^1].First + 1, 1, 128L * 1024 * 1024);
    }

    [Fact]
    public void Only_privacy_levels_TikTok_offers_are_used()
    {
        Assert.Equal(("PUBLIC_TO_EVERYONE", (string?)null), TikTokPublisher.ChoosePrivacy("public", ["PUBLIC_TO_EVERYONE", "SELF_ONLY"]));
        var (level, note) = TikTokPublisher.ChoosePrivacy("public", ["FOLLOWER_OF_CREATOR", "SELF_ONLY"]);
        Assert.Equal("SELF_ONLY", level);
        Assert.Contains("FOLLOWER_OF_CREATOR", note);
        Assert.Throws<PublishRejectedException>(() => TikTokPublisher.ChoosePrivacy("private", []));
    }

    private static object Channel(string name, string privacy) => new
    {
        name,
        platform = "TikTok",
        timeZone = "UTC",
        slots = "",
        dailyCap = 10,
        defaultPrivacy = privacy,
        aiDisclosure = "Made with AI: script, pictures and voice.",
        isDefault = false,
    };
}
