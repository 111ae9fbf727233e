using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Pipeline;

namespace ViralForge.Tests.Operations;

/// <summary>
/// The free-space floor: on the real artifact disk with the floor set above what is free, and on a small
/// tmpfs really filled to below it. New work is refused with the reason and queued work waits (nothing
/// fails, nothing is corrupted); with space back, the work finishes.
/// </summary>
[Trait("Category", "Process")]
public sealed class DiskFloorTests
{
    [Fact]
    public async Task Below_the_floor_uploads_and_runs_are_refused_queued_work_waits_and_resumes_when_space_returns()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("floor");
        var folder = TestEnvironment.NewFolder("floor");
        // What a killed process leaves: an old scratch folder and a half-written store file, plus a fresh folder in use.
        var stale = Directory.CreateDirectory(Path.Combine(folder, "work", "41-1-stale")).FullName;
        await File.WriteAllTextAsync(Path.Combine(stale, "frame.png"), "partial");
        Directory.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-3));
        var fresh = Directory.CreateDirectory(Path.Combine(folder, "work", "42-1-fresh")).FullName;
        var part = Path.Combine(folder, "artifacts", "x", "clips", "half.mp4.part");
        Directory.CreateDirectory(Path.GetDirectoryName(part)!);
        await File.WriteAllTextAsync(part, "half");
        File.SetLastWriteTimeUtc(part, DateTime.UtcNow.AddHours(-3));

        await using var studio = new StudioProcess(cs, folder);
        await studio.StartAsync(new() { ["Pipeline__FaultInjection__Clips"] = "delay:2" });
        Assert.False(Directory.Exists(stale), "The stale work folder survived the start-up sweep.");
        Assert.False(File.Exists(part), "The partial file survived the start-up sweep.");
        Assert.True(Directory.Exists(fresh), "A fresh work folder was swept.");

        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var videoId = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief());
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Any(r => r.Stage == "Clips" && r.Status == "Running"),
            TimeSpan.FromSeconds(60), () => "Clips never started.\n" + studio.Log);

        // The floor above everything that is free: the disk is "full" as far as the studio is concerned.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync("api/storage/floor", new { megabytes = 10_000_000 })).StatusCode);
        var storage = await admin.GetFromJsonAsync<JsonElement>("api/storage");
        Assert.True(storage.GetProperty("belowFloor").GetBoolean());
        Assert.True(storage.GetProperty("freeBytes").GetInt64() > 0);

        var create = await creator.PostAsJsonAsync("api/videos", new { script = TestScripts.Brief() }, TestScripts.Json);
        Assert.Equal(HttpStatusCode.InsufficientStorage, create.StatusCode);
        Assert.Contains("below the floor", (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        using var upload = new MultipartFormDataContent { { new ByteArrayContent([0x89, 0x50, 0x4E, 0x47]), "file", "still.png" } };
        Assert.Equal(HttpStatusCode.InsufficientStorage, (await creator.PostAsync($"api/videos/{videoId}/scenes/1/upload", upload)).StatusCode);
        var health = await admin.GetFromJsonAsync<JsonElement>("health");
        Assert.Contains("below the floor", health.GetProperty("checks").GetProperty("artifact-store").GetProperty("description").GetString());

        // Work already queued waits with the reason instead of failing; what was running finishes.
        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Any(r => r.Status == "Queued" && r.Error?.Contains("below the floor", StringComparison.Ordinal) == true),
            TimeSpan.FromSeconds(60), () => "No queued run was held for disk space.\n" + studio.Log);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var held = await db.RunsAsync(videoId);
        Assert.DoesNotContain(held, r => r.Status is "DeadLettered" or "RetryWaiting");
        Assert.NotEqual("AwaitingReview", await db.VideoStatusAsync(videoId));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync("api/storage/floor", new { megabytes = 0 })).StatusCode);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview",
            TimeSpan.FromSeconds(150), () => "The video did not finish once space was back.\n" + studio.Log);
        var live = (await db.RunsAsync(videoId)).Where(r => r.Live).ToList();
        Assert.All(live.Where(r => r.Status == "Succeeded"), r => Assert.Null(r.Error));
        await CrashRecoveryTests.AssertArtifactsIntactAsync(db, studio, videoId, live);
    }

    /// <summary>
    /// A real small filesystem: the studio's data folder is a 160 MB tmpfs (mounted in the studio's own
    /// mount namespace), filled to below the floor by a file beside the artifacts.
    /// </summary>
    [Fact]
    public async Task A_small_filesystem_filled_to_the_floor_refuses_new_work_keeps_what_is_done_and_resumes_when_space_is_freed()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("tmpfs");
        var folder = TestEnvironment.NewFolder("tmpfs");
        var namespaceFlags = Environment.UserName == "root" ? new[] { "--mount" } : ["--user", "--map-root-user", "--mount"];
        await using var studio = new StudioProcess(cs, folder, new() { ["Storage__MinFreeMegabytes"] = "48" })
        {
            Launcher = ["unshare", .. namespaceFlags, "sh", "-c", "mount -t tmpfs -o size=160m viralforge-floor \"$0\" && exec \"$@\"", folder],
        };
        await studio.StartAsync(new() { ["Pipeline__FaultInjection__Keyframes"] = "delay:2" });
        // The studio's view of its data folder (another mount namespace), reached through /proc.
        var inside = $"/proc/{studio.ProcessId}/root{folder}";
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var disk = await admin.GetFromJsonAsync<JsonElement>("api/storage");
        Assert.InRange(disk.GetProperty("totalBytes").GetInt64(), 150L << 20, 170L << 20);
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var db = new PipelineDb(cs);
        var done = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(title: "Done before the disk filled"));
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(done) == "AwaitingReview",
            TimeSpan.FromSeconds(120), () => "The first video did not finish.\n" + studio.Log);
        var second = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(title: "Interrupted by a full disk"));
        await Eventually.WaitAsync(async () => (await db.RunsAsync(second)).Any(r => r.Stage == "Keyframes" && r.Status == "Running"),
            TimeSpan.FromSeconds(120), () => "Keyframes never started.\n" + studio.Log);

        // Filled to 16 MB under the floor by something else on the disk.
        var filler = Path.Combine(inside, "filler.bin");
        var storage = await admin.GetFromJsonAsync<JsonElement>("api/storage");
        var fill = storage.GetProperty("freeBytes").GetInt64() - storage.GetProperty("floorBytes").GetInt64() + (16L << 20);
        await using (var stream = new FileStream(filler, FileMode.CreateNew))
        {
            var block = new byte[1 << 20];
            for (var written = 0L; written < fill; written += block.Length)
            {
                await stream.WriteAsync(block);
            }
        }
        storage = await admin.GetFromJsonAsync<JsonElement>("api/storage");
        Assert.True(storage.GetProperty("belowFloor").GetBoolean(), storage.ToString());

        var create = await creator.PostAsJsonAsync("api/videos", new { script = TestScripts.Brief() }, TestScripts.Json);
        Assert.Equal(HttpStatusCode.InsufficientStorage, create.StatusCode);
        Assert.Contains("below the floor", (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        using (var upload = new MultipartFormDataContent { { new ByteArrayContent(new byte[200_000]), "file", "still.png" } })
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, (await creator.PostAsync($"api/videos/{second}/scenes/1/upload", upload)).StatusCode);
        }
        // What was running finishes; what comes next waits for space with the reason; nothing fails.
        await Eventually.WaitAsync(async () => (await db.RunsAsync(second)).Any(r => r.Status == "Queued" && r.Error?.Contains("below the floor", StringComparison.Ordinal) == true),
            TimeSpan.FromSeconds(60), () => "No run was held for disk space.\n" + studio.Log);
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.DoesNotContain(await db.RunsAsync(second), r => r.Status is "DeadLettered" or "RetryWaiting");
        Assert.NotEqual("AwaitingReview", await db.VideoStatusAsync(second));

        // What was done is whole: every file of the first video reads back with its hash.
        foreach (var artifact in await db.ArtifactsAsync(done))
        {
            var bytes = await creator.GetByteArrayAsync($"media/{artifact.Id}");
            Assert.Equal(artifact.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        // Space freed: the held work goes on by itself.
        File.Delete(filler);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(second) == "AwaitingReview",
            TimeSpan.FromSeconds(150), () => "The second video did not finish once space was back.\n" + studio.Log);
        Assert.Equal(HttpStatusCode.Created, (await creator.PostAsJsonAsync("api/videos", new { script = TestScripts.Brief() }, TestScripts.Json)).StatusCode);
    }
}
