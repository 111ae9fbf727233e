using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Pipeline;

namespace ViralForge.Tests.Operations;

[Trait("Category", "Process")]
public sealed class CollectorTests
{
    [Fact]
    public async Task A_video_regenerated_ten_times_keeps_only_what_is_referenced_and_a_kill_mid_collection_loses_nothing()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("collect");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("collect"));
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var reviewer = studio.Client(await studio.IssueApiKeyAsync("reviewer"));
        var videoId = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(title: "Collect me"));
        var db = new PipelineDb(cs);
        await WaitForReviewAsync(db, studio, videoId, 0);

        // Published first: its cut must outlive every regeneration.
        var approve = await reviewer.PostAsJsonAsync($"api/videos/{videoId}/approve", new { });
        Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "Published",
            TimeSpan.FromSeconds(90), () => "The video was not published.\n" + studio.Log);
        var atPublish = await db.ArtifactsAsync(videoId);
        var publishedFinal = atPublish.Single(a => a.Kind == "final");

        for (var take = 1; take <= 10; take++)
        {
            var reviewsBefore = (await db.RunsAsync(videoId)).Count(r => r.Stage == "Review");
            // A different clip each time (motion × length), so every take makes a new cut too, not a reuse of an earlier one.
            var parameters = new { motion = Motions[take % 4], durationSeconds = 2 + (take % 3) };
            var retry = await creator.PostAsJsonAsync($"api/videos/{videoId}/stages/Clips/retry", new { scene = 2, parameters });
            Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
            await WaitForReviewAsync(db, studio, videoId, reviewsBefore);
        }
        var before = await db.ArtifactsAsync(videoId);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync("api/storage/retention", new { days = 0 })).StatusCode);
        var plan = await admin.GetFromJsonAsync<JsonElement>("api/storage/collection");
        Assert.True(plan.GetProperty("files").GetInt32() >= 30, plan.ToString());

        // Killed while collecting (wherever it is at that moment), then started again and collected to the end.
        var collecting = admin.PostAsync("api/storage/collection", null);
        await Task.Delay(30);
        await studio.KillAsync();
        try
        {
            await collecting;
        }
        catch (HttpRequestException)
        {
        }
        await studio.StartAsync();
        var done = await admin.PostAsync("api/storage/collection", null);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);

        var live = (await db.RunsAsync(videoId)).Where(r => r.Live).ToList();
        var referenced = live.SelectMany(r => r.Artifacts).ToHashSet();
        var after = await db.ArtifactsAsync(videoId);
        var published = atPublish.Where(a => a.Kind is "final" or "poster").Select(a => a.Id).ToHashSet();
        Assert.All(after, a => Assert.True(referenced.Contains(a.Id) || published.Contains(a.Id), $"{a.Kind} {a.StoreKey} is kept but nothing uses it."));
        Assert.True(after.Count < before.Count / 2, $"Only {before.Count - after.Count} of {before.Count} artifacts were collected.");
        await CrashRecoveryTests.AssertArtifactsIntactAsync(db, studio, videoId, live);
        var keptCut = after.Single(a => a.Id == publishedFinal.Id);
        Assert.Equal(publishedFinal.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(studio.ArtifactsPath, keptCut.StoreKey)))));
        var finalNow = after.Single(a => referenced.Contains(a.Id) && a.Kind == "final");
        Assert.Equal(HttpStatusCode.OK, (await creator.GetAsync($"media/{finalNow.Id}")).StatusCode);

        // Files a kill left behind without rows are orphans: once older than an hour, the next collection removes them.
        var rows = after.Select(a => Path.GetFullPath(Path.Combine(studio.ArtifactsPath, a.StoreKey))).ToHashSet();
        foreach (var orphan in StoreFiles(studio).Where(f => !rows.Contains(f)))
        {
            File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddHours(-2));
        }
        await admin.PostAsync("api/storage/collection", null);
        var files = StoreFiles(studio).ToHashSet();
        Assert.True(rows.SetEquals(files),
            $"Rows without files: {string.Join(", ", rows.Except(files))}; files without rows: {string.Join(", ", files.Except(rows))}");

        // Asking again for a take whose files were collected does the work again instead of pointing at nothing.
        var reviews = (await db.RunsAsync(videoId)).Count(r => r.Stage == "Review");
        Assert.Equal(HttpStatusCode.Accepted, (await creator.PostAsJsonAsync($"api/videos/{videoId}/stages/Clips/retry", new { scene = 2, parameters = new { motion = Motions[3 % 4], durationSeconds = 2 + (3 % 3) } })).StatusCode);
        await WaitForReviewAsync(db, studio, videoId, reviews);
        await CrashRecoveryTests.AssertArtifactsIntactAsync(db, studio, videoId, (await db.RunsAsync(videoId)).Where(r => r.Live));

        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var audit = new NpgsqlCommand("SELECT count(*) FROM audit_log WHERE action = 'storage.collect'", conn);
        Assert.True((long)(await audit.ExecuteScalarAsync())! >= 1);
    }

    private static readonly string[] Motions = ["zoom-in", "zoom-out", "pan-left", "pan-right"];

    private static IEnumerable<string> StoreFiles(StudioProcess studio) =>
        Directory.EnumerateFiles(studio.ArtifactsPath, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".part", StringComparison.Ordinal))
            .Select(Path.GetFullPath);

    private static Task WaitForReviewAsync(PipelineDb db, StudioProcess studio, Guid videoId, int reviewsBefore) =>
        Eventually.WaitAsync(async () =>
            {
                var runs = await db.RunsAsync(videoId);
                return runs.Count(r => r.Stage == "Review") > reviewsBefore && runs.Any(r => r.Live && r.Stage == "Review" && r.Status == "Waiting");
            },
            TimeSpan.FromSeconds(120), () => "The video did not come back to review.\n" + studio.Log);
}
