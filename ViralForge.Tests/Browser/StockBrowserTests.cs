using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ViralForge.Core.Media;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Browser;

/// <summary>A reviewer in a real browser looks at a scene's stock footage candidates and picks another one.</summary>
[Trait("Category", "Browser")]
public sealed class StockBrowserTests
{
    [Fact]
    public async Task A_reviewer_picks_another_stock_clip_for_scene_2_and_only_that_scene_and_the_cut_are_made_again()
    {
        var folder = TestEnvironment.NewFolder("browserstock");
        await using var host = new LoopbackTrendHost();
        // Two portrait clips per search, each its own picture: every scene gets two candidates and none repeats.
        var queries = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var next = 0;
        for (var n = 1; n <= 8; n++)
        {
            var path = Path.Combine(folder, $"c{n}.mp4");
            var made = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                "-i", $"life=size=90x160:seed={n}:ratio=0.3:rate=25,scale=720:1280:flags=neighbor", "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path],
                TimeSpan.FromMinutes(2), CancellationToken.None);
            Assert.True(made.ExitCode == 0, made.StdErrTail);
            host.Route($"/files/c{n}.mp4", StockFixtures.Serve(await File.ReadAllBytesAsync(path), "video/mp4"));
        }
        host.Route("/pexels/videos/search", async context =>
        {
            var q = context.Request.QueryString["query"] ?? context.Request.QueryString["q"] ?? "";
            var first = queries.GetOrAdd(q, _ => Interlocked.Add(ref next, 2) - 1);
            object Video(int n) => new
            {
                id = 900 + n, width = 720, height = 1280, duration = 4, url = $"https://www.pexels.com/video/clip-{900 + n}/", image = "https://images.pexels.com/x.jpeg",
                user = new { id = n, name = $"Author {n}", url = $"https://www.pexels.com/@author{n}" },
                video_files = new[] { new { id = n * 10, quality = "hd", file_type = "video/mp4", width = 720, height = 1280, fps = 25.0, link = $"{host.BaseUrl}files/c{n}.mp4" } },
            };
            await LoopbackListener.WriteJsonAsync(context.Response, 200, JsonSerializer.Serialize(new
            {
                page = 1, per_page = 20, total_results = 2, url = "https://www.pexels.com/search/videos/" + Uri.EscapeDataString(q),
                videos = new[] { Video(first), Video(first + 1) },
            }));
        });

        var cs = await TestEnvironment.CreateDatabaseAsync("browserstock");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("browserstock-studio"), new()
        {
            ["Stock__Pexels__ApiKey"] = "pexels-key-123",
            ["Stock__Pexels__BaseUrl"] = host.BaseUrl + "pexels/",
            ["Stock__Candidates"] = "2",
        });
        await studio.StartAsync();
        string[] visuals = ["A diver above a reef", "Sunlight through kelp forest", "Coral polyps feeding at night", "Octopus changing colour on rocks"];
        var script = TestScripts.Brief(title: "Reef footage") with
        {
            Scenes = TestScripts.Brief().Scenes.Select((s, i) => s with { Visual = visuals[i] }).ToList(),
        };
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), script,
            new JsonObject { ["Clips"] = new JsonObject { ["engine"] = "stock" } });
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240),
            () => string.Join("\n", db.RunsAsync(videoId).Result.Select(r => $"{r.Stage} {r.Scene} {r.Status} {r.Error}")) + "\n" + studio.Log);
        var before = await db.RunsAsync(videoId);

        await using var session = await BrowserSession.LogInAsync(studio, 1400, 1000);
        var page = session.Page;
        await session.OpenAsync($"videos/{videoId}");
        // Scene 2's clip candidates: both playable, each with its author; the first is the one in use.
        var panel = page.Locator("[data-testid=clip-candidates-2]");
        await panel.Locator(".mud-expand-panel-header").ClickAsync();
        var candidates = panel.Locator("[data-testid=clip-candidate]");
        await Assertions.Expect(candidates).ToHaveCountAsync(2);
        await Assertions.Expect(candidates.Nth(0)).ToContainTextAsync("Pexels");
        await Assertions.Expect(candidates.Nth(1)).ToContainTextAsync("by Author");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=clip-candidates-2] video')].every(v => { v.preload = 'metadata'; v.load(); return true; })");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=clip-candidates-2] video')].every(v => v.readyState >= 1 && v.duration >= 1.9)");
        await Assertions.Expect(panel.Locator("[data-testid=clip-choose-candidate]")).ToHaveCountAsync(1);

        await panel.Locator("[data-testid=clip-choose-candidate]").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "Scene 2 will use that clip" })).ToBeVisibleAsync();
        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Count(r => r.Stage == "Compose") == 2 && await db.VideoStatusAsync(videoId) == "AwaitingReview",
            TimeSpan.FromSeconds(180), () => "The cut was not composed again.\n" + studio.Log);
        await Assertions.Expect(page.Locator("[data-testid=video-status]")).ToHaveTextAsync("awaiting review", new() { Timeout = 30_000 });

        // Only scene 2's clip and the cut were made again (and the review asked for again); every other run is the one from before.
        var after = await db.RunsAsync(videoId);
        var redone = after.Where(r => !before.Any(b => b.Id == r.Id) && r.Stage != "Review").Select(r => (r.Stage, r.Scene)).OrderBy(r => r.Stage).ToList();
        Assert.Equal([("Clips", (int?)1), ("Compose", (int?)null)], redone);
        var chosen = (await StockFixtures.MediaInfosAsync(cs, videoId, "clip", liveOnly: true)).Single(i => (int?)i["candidate"] == 2);
        Assert.Equal(StudioProcess.AdminEmail, (string?)chosen["chosenBy"]);
        await panel.Locator(".mud-expand-panel-header").ClickAsync();
        await Assertions.Expect(panel.Locator(".mud-chip").Filter(new() { HasText = "chosen by " + StudioProcess.AdminEmail })).ToBeVisibleAsync();
    }
}
