using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Pipeline;

namespace ViralForge.Tests.Operations;

[Trait("Category", "Process")]
public sealed class VideoLifecycleTests
{
    [Fact]
    public async Task Archived_videos_keep_only_their_cut_deleted_ones_keep_nothing_but_files_shared_with_live_videos_and_an_unarchived_one_is_made_whole_again()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("lifecycle");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("lifecycle"));
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var kept = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(title: "Archive me"));
        var gone = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(title: "Delete me"));
        var db = new PipelineDb(cs);
        foreach (var id in new[] { kept, gone })
        {
            await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "AwaitingReview",
                TimeSpan.FromSeconds(120), () => "The video did not reach review.\n" + studio.Log);
        }
        // The two differ only in their titles: identical keyframes and narration are stored once.
        var keptKeys = (await db.ArtifactsAsync(kept)).Select(a => a.StoreKey).ToHashSet();
        var goneKeys = (await db.ArtifactsAsync(gone)).Select(a => a.StoreKey).ToHashSet();
        var shared = keptKeys.Intersect(goneKeys).ToList();
        Assert.NotEmpty(shared);
        Assert.All(keptKeys.Concat(goneKeys), k => Assert.Matches("^sha256/[0-9a-f]{2}/[0-9a-f]{64}(\\.[a-z0-9]+)?$", k));
        var summary = await admin.GetFromJsonAsync<JsonElement>("api/storage");
        Assert.True(summary.GetProperty("storedBytes").GetInt64() < summary.GetProperty("artifactBytes").GetInt64(), summary.ToString());

        // Only admins archive or delete.
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.PostAsync($"api/videos/{kept}/archive", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.DeleteAsync($"api/videos/{gone}")).StatusCode);

        // A deleted video's files go, except those the other video still names.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/videos/{gone}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await creator.GetAsync($"api/videos/{gone}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("api/storage/collection", null)).StatusCode);
        Assert.Empty(await db.ArtifactsAsync(gone));
        Assert.All(goneKeys.Except(keptKeys), k => Assert.False(File.Exists(Path.Combine(studio.ArtifactsPath, k)), $"The deleted video's {k} is still there."));
        Assert.All(shared, k => Assert.True(File.Exists(Path.Combine(studio.ArtifactsPath, k)), $"{k} is shared with a live video but was deleted."));
        await CrashRecoveryTests.AssertArtifactsIntactAsync(db, studio, kept, (await db.RunsAsync(kept)).Where(r => r.Live));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"api/videos/{kept}/archive", null)).StatusCode);
        var board = await creator.GetFromJsonAsync<JsonElement>("api/videos");
        Assert.DoesNotContain(board.EnumerateArray(), v => v.GetProperty("id").GetGuid() == kept || v.GetProperty("id").GetGuid() == gone);
        var archived = await creator.GetFromJsonAsync<JsonElement>("api/videos?archived=true");
        Assert.Contains(archived.EnumerateArray(), v => v.GetProperty("id").GetGuid() == kept);
        var refused = await creator.PostAsJsonAsync($"api/videos/{kept}/stages/Clips/retry", new { scene = 1 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("archived", await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("api/storage/collection", null)).StatusCode);
        var remaining = await db.ArtifactsAsync(kept);
        // The cut, its poster and the script it was made from.
        Assert.Equal(["final", "poster", "script"], remaining.Select(a => a.Kind).Order().ToArray());
        foreach (var a in remaining)
        {
            Assert.True(File.Exists(Path.Combine(studio.ArtifactsPath, a.StoreKey)));
        }

        // Brought back: what the collector freed is made again, and the video is whole.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"api/videos/{kept}/unarchive", null)).StatusCode);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(kept) == "AwaitingReview"
                && (await db.RunsAsync(kept)).Where(r => r.Live).All(r => r.Status is "Succeeded" or "Waiting"),
            TimeSpan.FromSeconds(150), () => "The unarchived video was not made whole.\n" + studio.Log);
        await CrashRecoveryTests.AssertArtifactsIntactAsync(db, studio, kept, (await db.RunsAsync(kept)).Where(r => r.Live));

        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var audit = new NpgsqlCommand("SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE action LIKE 'video.%archive' OR action = 'video.delete'", conn);
        Assert.Equal("video.delete,video.archive,video.unarchive", (string?)await audit.ExecuteScalarAsync());
    }
}
