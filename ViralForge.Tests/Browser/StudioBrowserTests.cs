using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Playwright;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Browser;

/// <summary>A person's flow in a real browser: log in, watch the demo reach review live, play, seek, approve, find it published.</summary>
[Trait("Category", "Browser")]
public sealed class StudioBrowserTests
{
    internal static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) =>
        await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("VIRALFORGE_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
        });

    internal static async Task LogInAsync(IPage page, Uri baseAddress, string email = StudioProcess.AdminEmail, string password = StudioProcess.AdminPassword)
    {
        await page.GotoAsync(baseAddress.ToString());
        await page.WaitForURLAsync("**/Account/Login**");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login-submit");
        await WaitInteractiveAsync(page);
        await page.WaitForSelectorAsync("#board-title");
    }

    internal static Task WaitInteractiveAsync(IPage page) => page.WaitForSelectorAsync("[data-interactive=true]");

    [Fact]
    public async Task A_reviewer_watches_the_demo_reach_review_plays_it_approves_it_and_it_is_published()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("browser");
        var folder = TestEnvironment.NewFolder("browser");
        await using var studio = new StudioProcess(cs, folder, new() { ["Setup__CreateDemoVideo"] = "true" });
        await studio.StartAsync();

        await using var session = await BrowserSession.LogInAsync(studio, 1400, 1000);
        var page = session.Page;

        // The board updates by itself (no reload) until the demo waits for review.
        var status = page.Locator("[data-testid=video-status]").First;
        await Assertions.Expect(status).ToHaveTextAsync("awaiting review", new() { Timeout = 180_000 });
        await Assertions.Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "is ready for review" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "board.png") });

        await page.Locator("[data-testid=video-link]").First.ClickAsync();
        await page.WaitForURLAsync("**/videos/**");
        await WaitInteractiveAsync(page);
        await page.WaitForSelectorAsync("[data-testid=final-cut]");
        // Every scene's keyframe shows, every clip and narration loads.
        await Assertions.Expect(page.Locator("[data-testid=keyframe]")).ToHaveCountAsync(6);
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=keyframe]')].every(i => i.complete && i.naturalWidth === 1080)");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=clip]')].length === 6 && [...document.querySelectorAll('[data-testid=clip]')].every(v => v.readyState >= 1 && v.duration >= 1.9)");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=narration]')].length === 6 && [...document.querySelectorAll('[data-testid=narration]')].every(a => a.readyState >= 1 && a.duration > 0.5)");

        // Play the final cut, then seek: seeking needs HTTP range requests.
        var played = await page.EvaluateAsync<double>(@"async () => {
            const v = document.querySelector('[data-testid=final-cut]');
            v.muted = true;
            await v.play();
            // Playing time advances as fast as the machine decodes 1080x1920; on a busy machine that takes a while to start.
            const started = performance.now();
            while (v.currentTime <= 0.3 && performance.now() - started < 20000) {
                await new Promise(r => setTimeout(r, 100));
            }
            v.pause();
            return v.currentTime;
        }");
        Assert.True(played > 0.3, $"The final cut did not play (currentTime {played}).");
        var seeked = await page.EvaluateAsync<double>(@"async () => {
            const v = document.querySelector('[data-testid=final-cut]');
            const done = new Promise(r => v.addEventListener('seeked', r, { once: true }));
            v.currentTime = v.duration - 2;
            await done;
            return v.duration - v.currentTime;
        }");
        Assert.InRange(seeked, 1.5, 2.5);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "video.png"), FullPage = true });

        await page.ClickAsync("[data-testid=approve]");
        // The near-duplicate gate fingerprints the cut first; on a loaded 2-core machine that alone can take a minute.
        await Assertions.Expect(page.Locator("[data-testid=published]")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await Assertions.Expect(page.Locator("[data-testid=video-status]")).ToHaveTextAsync("published");
        await Assertions.Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "was published" })).ToBeVisibleAsync();

        var sidecarPath = Directory.GetFiles(studio.OutboxPath, "*.json").Single();
        using var sidecar = JsonDocument.Parse(await File.ReadAllTextAsync(sidecarPath));
        var root = sidecar.RootElement;
        Assert.True(root.GetProperty("aiGenerated").GetBoolean());
        Assert.Equal("Octopuses are stranger than you think", root.GetProperty("title").GetString());
        Assert.Contains("#octopus", root.GetProperty("hashtags").EnumerateArray().Select(h => h.GetString()));
        var mp4 = Path.Combine(studio.OutboxPath, root.GetProperty("file").GetString()!);
        await using var stream = File.OpenRead(mp4);
        Assert.Equal(root.GetProperty("sha256").GetString(), Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)));
        Assert.Empty(Directory.GetFiles(studio.OutboxPath, "*.part"));
    }

    [Fact]
    public async Task A_reviewer_hears_the_narration_candidates_picks_another_and_the_gpu_page_tells_the_truth()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("browsercand");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("browsercand"));
        await studio.StartAsync();
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), TestScripts.Brief());
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);

        await using var session = await BrowserSession.LogInAsync(studio, 1400, 1000);
        var page = session.Page;
        await session.OpenAsync($"videos/{videoId}");
        var panel = page.Locator("[data-testid=candidates-1]");
        await panel.Locator(".mud-expand-panel-header").ClickAsync();
        var candidates = panel.Locator("[data-testid=candidate]");
        await Assertions.Expect(candidates).ToHaveCountAsync(3);
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=candidate] audio')].every(a => { a.preload = 'metadata'; a.load(); return true; })");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=candidate] audio')].every(a => a.readyState >= 1 && a.duration > 0.3)");
        await Assertions.Expect(panel.Locator("[data-testid=choose-candidate]")).ToHaveCountAsync(2);

        await panel.Locator("[data-testid=choose-candidate]").First.ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "will use that narration" })).ToBeVisibleAsync();
        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Count(r => r.Stage == "Narration") == 5 && await db.VideoStatusAsync(videoId) == "AwaitingReview",
            TimeSpan.FromSeconds(120), () => "The cut was not composed again.\n" + studio.Log);
        await Assertions.Expect(page.Locator("[data-testid=video-status]")).ToHaveTextAsync("awaiting review", new() { Timeout = 30_000 });
        await panel.Locator(".mud-expand-panel-header").ClickAsync();
        await Assertions.Expect(panel.Locator(".mud-chip").Filter(new() { HasText = "chosen by " + StudioProcess.AdminEmail })).ToBeVisibleAsync();

        await session.OpenAsync("admin/gpu");
        await Assertions.Expect(page.Locator("[data-testid=gpu-provider]")).ToHaveTextAsync("cpu");
        await Assertions.Expect(page.Locator("[data-testid=svd-status]")).ToContainTextAsync("No SVD models");
        await Assertions.Expect(page.Locator("[data-testid=gpu-banner]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_dead_lettered_stage_shows_its_reason_on_the_video_page()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("browserdead");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("browserdead"));
        await studio.StartAsync(new() { ["Pipeline__FaultInjection__Compose"] = "fail-permanent" });
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), TestScripts.Brief());
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "Failed", TimeSpan.FromSeconds(120), () => studio.Log);

        await using var session = await BrowserSession.LogInAsync(studio);
        var page = session.Page;
        await session.OpenAsync($"videos/{videoId}");
        var alert = page.Locator("[data-testid=dead-letter]");
        await Assertions.Expect(alert).ToContainTextAsync("Injected permanent fault in Compose");
        await Assertions.Expect(alert).ToContainTextAsync("Retry from here");
        await Assertions.Expect(page.Locator("[data-testid=retry-Compose]")).ToBeVisibleAsync();
        // Everything before the failure is still there to preview.
        await Assertions.Expect(page.Locator("[data-testid=clip]")).ToHaveCountAsync(4);
    }

    [Fact]
    public async Task A_creator_uploads_a_clip_in_the_browser_and_a_bad_file_is_explained()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("browserupload");
        var folder = TestEnvironment.NewFolder("browserupload");
        await using var studio = new StudioProcess(cs, folder);
        await studio.StartAsync();
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), TestScripts.Brief());
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);

        await using var session = await BrowserSession.LogInAsync(studio);
        var page = session.Page;
        await session.OpenAsync($"videos/{videoId}");

        var junk = Path.Combine(folder, "holiday.mp4");
        await File.WriteAllTextAsync(junk, "definitely not a video");
        await page.Locator(".upload-input-1").Last.SetInputFilesAsync(junk);
        await Assertions.Expect(page.Locator("[data-testid=upload-error-1]")).ToContainTextAsync("not an image or video that can be read");

        var before = (await db.RunsAsync(videoId)).Select(r => r.Id).ToHashSet();
        await page.Locator(".upload-input-1").Last.SetInputFilesAsync(await Pipeline.SceneUploadTests.MakePhoneVideoAsync(folder));
        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Any(r => r.Live && r.Stage == "Clips" && r.Scene == 0 && r.Status == "Succeeded" && !before.Contains(r.Id)),
            TimeSpan.FromSeconds(90), () => studio.Log);
        await Assertions.Expect(page.Locator("[data-testid=upload-error-1]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=video-status]")).ToHaveTextAsync("awaiting review", new() { Timeout = 90_000 });
    }

    [Fact]
    public async Task An_admin_adds_a_pronunciation_listens_to_it_and_sees_it_marked_in_a_script()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("browserpron");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("browserpron"));
        await studio.StartAsync();
        var script = TestScripts.Brief() with { Scenes = [.. TestScripts.Brief().Scenes.Select((s, i) => i == 0 ? s with { Narration = "Every GIF tells a story." } : s)] };
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), script);

        await using var session = await BrowserSession.LogInAsync(studio);
        var page = session.Page;
        await session.OpenAsync("admin/pronunciations");
        // The admin sees which aligners time the captions of voices without word times.
        await Assertions.Expect(page.Locator("[data-testid=aligners]")).ToContainTextAsync("pocketsphinx (English): ready");
        await Assertions.Expect(page.Locator("[data-testid=aligners]")).ToContainTextAsync("No Whisper model is configured");

        await page.Locator("input[data-testid=term], [data-testid=term] input").FillAsync("GIF");
        await page.Locator("input[data-testid=says-as], [data-testid=says-as] input").FillAsync("jif");
        await page.ClickAsync("[data-testid=listen]");
        await page.WaitForFunctionAsync("() => ['listen-without', 'listen-with'].every(id => { const a = document.querySelector(`[data-testid=${id}]`); return a && a.readyState >= 1 && a.duration > 0.5; })");
        await Assertions.Expect(page.GetByText("The voice is given: “I made a jif about SQL.”")).ToBeVisibleAsync();
        await page.ClickAsync("[data-testid=save-pronunciation]");
        await Assertions.Expect(page.Locator("[data-testid=pronunciation-row]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByText("pronunciation.add")).ToBeVisibleAsync();

        await page.Locator("input[data-testid=term], [data-testid=term] input").FillAsync("X");
        await page.Locator("input[data-testid=says-as], [data-testid=says-as] input").FillAsync("[[evil]]");
        await page.ClickAsync("[data-testid=save-pronunciation]");
        await Assertions.Expect(page.Locator("[data-testid=pronunciation-error]")).ToContainTextAsync("brackets");

        await session.OpenAsync($"videos/{videoId}");
        var mark = page.Locator("[data-testid=pronunciation-mark]");
        await Assertions.Expect(mark).ToHaveTextAsync("GIF");
        await Assertions.Expect(mark).ToHaveAttributeAsync("title", "said as jif");
    }

    [Fact]
    public async Task A_creator_gets_a_draft_from_the_model_edits_and_continues_and_an_admin_versions_diffs_and_tests_a_prompt()
    {
        await using var server = new LoopbackChatServer { Otherwise = new LoopbackChatServer.Answer(Script.ScriptModelHost.GoodScript().ToJson()) };
        var cs = await TestEnvironment.CreateDatabaseAsync("browserllm");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("browserllm"), new()
        {
            ["Script__Endpoint"] = server.Endpoint,
            ["Script__Model"] = "loopback-model",
        });
        await studio.StartAsync();
        await using var session = await BrowserSession.LogInAsync(studio);
        var page = session.Page;

        await session.OpenAsync("videos/new");
        await page.Locator("textarea[data-testid=topic], [data-testid=topic] textarea").FillAsync("octopus facts");
        var seconds = page.Locator("input[data-testid=seconds], [data-testid=seconds] input");
        await seconds.FillAsync("20");
        await seconds.PressAsync("Tab");
        await page.ClickAsync("[data-testid=create-video]");
        await Assertions.Expect(page.Locator("[data-testid=script-draft]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=script-origin]")).ToContainTextAsync("loopback-model");
        await Assertions.Expect(page.Locator("[data-testid=script-origin]")).ToContainTextAsync("prompt \"script\" v1");
        var narration = page.Locator("[data-testid=scene-editor-1]").Locator("input[data-testid=narration], [data-testid=narration] input");
        await narration.FillAsync("Edited in the browser before anything was made.");
        await narration.PressAsync("Tab");
        await page.ClickAsync("[data-testid=draft-continue]");
        await Assertions.Expect(page.Locator("[data-testid=script-draft]")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=video-status]")).Not.ToHaveTextAsync("script to check");
        var video = JsonDocument.Parse(await studio.Client(await studio.IssueApiKeyAsync("creator")).GetStringAsync("api/videos")).RootElement[0];
        var detail = JsonDocument.Parse(await studio.Client(await studio.IssueApiKeyAsync("creator")).GetStringAsync($"api/videos/{video.GetProperty("id").GetGuid()}")).RootElement;
        Assert.Equal("Edited in the browser before anything was made.", detail.GetProperty("script").GetProperty("scenes")[0].GetProperty("narration").GetString());

        await session.OpenAsync("admin/prompts");
        await Assertions.Expect(page.Locator("[data-testid=script-model-status]")).ToContainTextAsync("loopback-model");
        await page.Locator("textarea[data-testid=persona], [data-testid=persona] textarea").FillAsync("You write punchy science shorts for teenagers.");
        await page.Locator("input[data-testid=note], [data-testid=note] input").FillAsync("sharper persona");
        await page.ClickAsync("[data-testid=save-prompt]");
        await Assertions.Expect(page.Locator("[data-testid=edit-v2]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr:has([data-testid=edit-v2]) [data-testid=active-version]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=diff] .diff-added")).ToContainTextAsync("+ You write punchy science shorts for teenagers.");
        await Assertions.Expect(page.Locator("[data-testid=diff] .diff-removed").First).ToContainTextAsync("- You are a scriptwriter");

        await page.Locator("input[data-testid=test-topic], [data-testid=test-topic] input").FillAsync("squid facts");
        var testSeconds = page.Locator("input[data-testid=test-seconds], [data-testid=test-seconds] input");
        await testSeconds.FillAsync("20");
        await testSeconds.PressAsync("Tab");
        await page.ClickAsync("[data-testid=test-run]");
        await Assertions.Expect(page.Locator("[data-testid=test-outcome]")).ToContainTextAsync("Valid script from loopback-model", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=test-script]")).ToContainTextAsync("Three odd facts about octopuses");
        Assert.Contains("You write punchy science shorts for teenagers.", (string)server.Requests.Last().Body["messages"]!.AsArray()[0]!["content"]!);

        // Going back is one click: v1 becomes active again.
        await page.ClickAsync("[data-testid=activate-v1]");
        await Assertions.Expect(page.Locator("tr:has([data-testid=edit-v1]) [data-testid=active-version]")).ToBeVisibleAsync();
    }
}
