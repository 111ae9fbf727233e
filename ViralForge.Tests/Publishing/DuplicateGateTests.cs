using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ViralForge.Core.Script;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Publishing;

/// <summary>
/// The near-duplicate gate in the running studio: a video like uploaded reference content, a video
/// like one already published, and a video that shows the same picture in two scenes are each held
/// for a reviewer, who lets one through or rejects it; nothing held goes out meanwhile.
/// </summary>
public sealed class DuplicateGateTests
{
    [Fact]
    public async Task Copies_of_published_or_reference_content_and_repeated_scenes_wait_for_a_reviewer()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("dupgate");
        var folder = TestEnvironment.NewFolder("dupgate");
        var reference = Path.Combine(folder, "reference");
        Directory.CreateDirectory(reference);
        await using var studio = new StudioProcess(cs, folder, new() { ["Publishing__Duplicates__ReferenceFolder"] = reference });
        await studio.StartAsync();
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var reviewer = studio.Client(await studio.IssueApiKeyAsync("reviewer"));
        var db = new PipelineDb(cs);
        // Four different pieces of stock footage; a creator uploads them as the scenes' clips. Seeded: life and
        // cellauto start from a random grid otherwise, and the disguised copy's score then wanders around the threshold.
        string[] sources = ["mandelbrot=size=540x960:rate=30", "life=size=540x960:rate=30:mold=10:life_color=#ffcc00:seed=7", "testsrc2=size=540x960:rate=30", "cellauto=size=540x960:rate=30:rule=110:seed=7"];
        var stock = new List<string>();
        foreach (var (source, i) in sources.Select((x, i) => (x, i)))
        {
            stock.Add(Path.Combine(folder, $"stock-{i}.mp4"));
            await FfmpegAsync("-f", "lavfi", "-i", source, "-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p", stock[^1]);
        }

        // A: a disguised copy of its cut is reference content (the team must not repost it): held, then let through.
        var a = await ReadyAsync(studio, creator, db, TestScripts.Brief(title: "Tide pools"), [.. stock]);
        var compose = (await db.RunsAsync(a)).Single(r => r.Live && r.Stage == "Compose");
        var cut = (await db.ArtifactsAsync(a)).Single(x => x.Kind == "final" && compose.Artifacts.Contains(x.Id));
        var archive = Path.Combine(folder, "team-archive.mp4");
        await FfmpegAsync("-i", Path.Combine(studio.ArtifactsPath, cut.StoreKey), "-vf", "crop=iw*0.94:ih*0.94,scale=720:1280,hue=h=15", "-c:v", "libx264", "-crf", "30", archive);
        // An admin adds it as reference content in the studio (only its fingerprint is kept).
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var added = await ReferenceLibraryTests.UploadAsync(admin, archive);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var referenceId = (await added.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();
        await ApproveAsync(reviewer, a);
        var heldA = await HeldAsync(studio, db, a);
        Assert.Contains("team-archive.mp4", heldA.Error);
        Assert.Equal(0, OutboxVideos(studio));
        await ApproveAsync(reviewer, a);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(a) == "Published", TimeSpan.FromSeconds(60), () => studio.Log);

        // B: the same video again, with the reference gone: held as a copy of A, which is out; then let through.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/references/{referenceId}")).StatusCode);
        var b = await ReadyAsync(studio, creator, db, TestScripts.Brief(title: "Tide pools again"), [.. stock]);
        await ApproveAsync(reviewer, b);
        var heldB = await HeldAsync(studio, db, b);
        Assert.Contains("“Tide pools”, which is already out", heldB.Error);
        var detail = await reviewer.GetFromJsonAsync<JsonObject>($"api/videos/{b}");
        Assert.Equal("AwaitingReview", detail!["status"]!.GetValue<string>());
        Assert.Equal(1, OutboxVideos(studio));
        await ApproveAsync(reviewer, b);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(b) == "Published", TimeSpan.FromSeconds(60), () => studio.Log);

        // C: the same stock clip for scenes 1 and 3 (cards for the others): held; the reviewer rejects it and nothing goes out.
        var c = await ReadyAsync(studio, creator, db, TestScripts.Brief(title: "Rock pools"), [stock[0], null, stock[0], null]);
        await ApproveAsync(reviewer, c);
        var heldC = await HeldAsync(studio, db, c);
        Assert.Contains("scenes 1 and 3 show the same picture", heldC.Error);
        Assert.Equal(HttpStatusCode.Conflict, (await reviewer.PostAsJsonAsync($"api/videos/{c}/reject", new { reason = "" })).StatusCode);
        var reject = await reviewer.PostAsJsonAsync($"api/videos/{c}/reject", new { reason = "Scene 3 repeats scene 1." });
        Assert.True(reject.IsSuccessStatusCode, await reject.Content.ReadAsStringAsync());
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(c) == "Rejected", TimeSpan.FromSeconds(30), () => studio.Log);
        var desk = new PublishingStudio(studio, "", "");
        Assert.Equal("Cancelled", (await desk.PublicationAsync(c, 1))!.Status);
        Assert.Equal(2, OutboxVideos(studio));
    }

    private static int OutboxVideos(StudioProcess studio) =>
        Directory.Exists(studio.OutboxPath) ? Directory.GetFiles(studio.OutboxPath, "*.mp4").Length : 0;

    /// <summary>A video waiting for review whose scenes use the given footage (null: the studio's card).</summary>
    private static async Task<Guid> ReadyAsync(StudioProcess studio, HttpClient creator, PipelineDb db, ScriptDocument script, string?[] footage)
    {
        var id = await TestScripts.CreateVideoAsync(creator, script);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        for (var scene = 0; scene < footage.Length; scene++)
        {
            if (footage[scene] is not { } path)
            {
                continue;
            }
            using var form = new MultipartFormDataContent();
            var file = new StreamContent(File.OpenRead(path));
            file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("video/mp4");
            form.Add(file, "file", Path.GetFileName(path));
            var upload = await creator.PostAsync($"api/videos/{id}/scenes/{scene + 1}/upload", form);
            Assert.True(upload.StatusCode == HttpStatusCode.Accepted, await upload.Content.ReadAsStringAsync());
        }
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "AwaitingReview", TimeSpan.FromSeconds(180), () => studio.Log);
        return id;
    }

    private static async Task ApproveAsync(HttpClient reviewer, Guid id)
    {
        var response = await reviewer.PostAsJsonAsync($"api/videos/{id}/approve", new { channels = new[] { 1 }, slot = "now" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until the Publish run holds the video for a person, and returns that run.</summary>
    private static async Task<RunRow> HeldAsync(StudioProcess studio, PipelineDb db, Guid id)
    {
        RunRow? held = null;
        await Eventually.WaitAsync(async () => (held = (await db.RunsAsync(id)).SingleOrDefault(r => r.Live && r.Stage == "Publish" && r.Status == "Waiting")) is not null,
            TimeSpan.FromSeconds(90), () => $"{string.Join("\n", db.RunsAsync(id).Result)}\n{studio.Log}");
        Assert.Equal("AwaitingReview", await db.VideoStatusAsync(id));
        Assert.Contains("near-duplicate gate", held!.Error);
        return held;
    }

    private static async Task FfmpegAsync(params string[] args)
    {
        var result = await Core.Media.ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", .. args], TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.True(result.ExitCode == 0, string.Join(' ', args) + ": " + result.StdErrTail);
    }
}
