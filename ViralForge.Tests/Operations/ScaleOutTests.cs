using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ViralForge.Core.Storage;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Pipeline;

namespace ViralForge.Tests.Operations;

/// <summary>
/// More machines are more Hangfire servers on the same PostgreSQL and one S3-compatible store: a
/// web-only studio, two headless workers on every queue and a third asked for CUDA it cannot use. One worker is killed mid-stage;
/// its run is taken over by another, nothing completes twice, every video finishes.
/// </summary>
[Trait("Category", "Process")]
public sealed class ScaleOutTests
{
    private static readonly TimeSpan TakeoverBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Workers_share_the_work_a_killed_one_is_taken_over_and_one_without_a_usable_gpu_takes_no_gpu_work()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("scale");
        // One artifact store for all, as across machines: the S3 store on loopback. Each process has its
        // own folders, so a run's inputs made on another worker are fetched from the store.
        await using var s3 = await LoopbackS3.StartAsync(TestEnvironment.NewFolder("scale-s3"));
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("scale-studio"), new(s3.Settings()) { ["Workers__Enabled"] = "false" });
        await studio.StartAsync();
        Dictionary<string, string> Worker(string queues, Dictionary<string, string>? more = null) => new(s3.Settings().Concat(more ?? []))
        {
            ["Node__Role"] = "worker",
            ["Node__Queues"] = queues,
            ["Storage__OutboxPath"] = studio.OutboxPath,
        };
        await using var a = new StudioProcess(cs, TestEnvironment.NewFolder("scale-a"), Worker("gpu,media,default,outside"));
        await using var b = new StudioProcess(cs, TestEnvironment.NewFolder("scale-b"), Worker("gpu,media,default,outside"));
        await using var c = new StudioProcess(cs, TestEnvironment.NewFolder("scale-c"), Worker("gpu,media", new() { ["Gpu__ExecutionProvider"] = "cuda" }));
        await Task.WhenAll(a.StartAsync(), b.StartAsync(), c.StartAsync());
        var names = new[] { a, b, c }.Select(w => $"{Environment.MachineName}:{w.ProcessId}").ToArray();

        // The worker without a usable GPU says so and serves only media.
        using (var probe = new HttpClient { BaseAddress = c.BaseAddress })
        {
            var health = await probe.GetFromJsonAsync<JsonElement>("health");
            var node = health.GetProperty("checks").GetProperty("node");
            Assert.Equal("Degraded", node.GetProperty("status").GetString());
            Assert.Contains("takes no GPU work", node.GetProperty("description").GetString());
            Assert.Equal("media", node.GetProperty("data").GetProperty("queues").GetString());
        }

        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var videos = new List<Guid>();
        for (var i = 1; i <= 12; i++)
        {
            videos.Add(await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(title: $"Spread {i}")));
        }
        var db = new PipelineDb(cs);

        // Killed while it holds a run: no hand-back, the lease just stops beating.
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        long held = 0;
        await Eventually.WaitAsync(async () =>
            {
                await using var cmd = new NpgsqlCommand("SELECT id FROM stage_runs WHERE worker = @w AND status = 'Running' LIMIT 1", conn);
                cmd.Parameters.AddWithValue("w", names[0]);
                held = (long?)await cmd.ExecuteScalarAsync() ?? 0;
                return held != 0;
            },
            TimeSpan.FromSeconds(120), () => "Worker A never ran anything.\n" + a.Log);
        await a.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;

        await Eventually.WaitAsync(async () =>
            {
                await using var cmd = new NpgsqlCommand("SELECT worker <> @w AND status IN ('Running', 'Succeeded', 'Waiting') FROM stage_runs WHERE id = @id", conn);
                cmd.Parameters.AddWithValue("w", names[0]);
                cmd.Parameters.AddWithValue("id", held);
                return (bool?)await cmd.ExecuteScalarAsync() == true;
            },
            TakeoverBound, () => $"Run {held} was not taken over within {TakeoverBound.TotalSeconds} s.\n" + b.Log + "\n--- studio ---\n" + studio.Log);
        var takeover = DateTimeOffset.UtcNow - killedAt;

        foreach (var id in videos)
        {
            await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "AwaitingReview",
                TimeSpan.FromSeconds(300), () => $"Video {id} did not finish.\n{b.Log}\n{c.Log}");
        }

        await using (var cmd = new NpgsqlCommand("""
            SELECT r.stage, r.worker, r.attempt FROM stage_runs r WHERE r.video_id = ANY(@v) AND r.superseded_at IS NULL AND r.status IN ('Succeeded', 'Waiting')
            """, conn))
        {
            cmd.Parameters.AddWithValue("v", videos.ToArray());
            var finished = new List<(string Stage, string? Worker)>();
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                finished.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
            }
            // The work was spread, and a worker without the gpu queue never ran GPU work (the final encode;
            // these clips are pan/zooms, FFmpeg work that any media worker may take).
            Assert.True(finished.Select(f => f.Worker).Where(w => w is not null).Distinct().Count() >= 2, "One worker did everything.");
            Assert.DoesNotContain(finished, f => f.Stage == "Compose" && f.Worker == names[2]);
            Assert.Contains(finished, f => f.Stage is "Narration" or "Keyframes" && f.Worker == names[2]);
        }
        // Nothing completed twice: every artifact row is an output of exactly one finished run, and each is whole in the store.
        using var backend = new S3ArtifactBackend(s3.Options());
        var fetched = TestEnvironment.NewFolder("scale-fetched");
        foreach (var id in videos)
        {
            var runs = (await db.RunsAsync(id)).Where(r => r.Live).ToList();
            var outputs = runs.SelectMany(r => r.Artifacts).ToList();
            Assert.Equal(outputs.Count, outputs.Distinct().Count());
            Assert.Equal(outputs.Order(), (await db.ArtifactsAsync(id)).Select(x => x.Id).Order());
            await CrashRecoveryTests.AssertArtifactsIntactAsync(db, id, runs, async key =>
            {
                var path = Path.Combine(fetched, Path.GetFileName(key));
                await backend.FetchAsync(key, path, CancellationToken.None);
                return path;
            });
        }
        // Runs on one worker whose inputs another made (a clip from another's keyframe, a cut from another's
        // narration): the worker fetched those files from the store into its own cache.
        var folders = new Dictionary<string, string> { [names[0]] = a.DataFolder, [names[1]] = b.DataFolder, [names[2]] = c.DataFolder };
        var handed = new List<(string Worker, string Key)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT m.worker, a.store_key FROM stage_runs m
            JOIN stage_runs p ON p.video_id = m.video_id AND p.superseded_at IS NULL AND p.worker <> m.worker
                AND ((m.stage = 'Compose' AND p.stage IN ('Narration', 'Clips')) OR (m.stage = 'Clips' AND p.stage = 'Keyframes' AND p.scene_index = m.scene_index))
            JOIN artifacts a ON a.id = ANY(p.output_artifact_ids) AND a.kind IN ('narration', 'clip', 'keyframe')
            WHERE m.superseded_at IS NULL AND m.status = 'Succeeded' AND m.reused_from_run_id IS NULL AND m.video_id = ANY(@v)
            """, conn))
        {
            cmd.Parameters.AddWithValue("v", videos.ToArray());
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                handed.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        Assert.NotEmpty(handed);
        Assert.All(handed, h => Assert.True(File.Exists(Path.Combine(folders[h.Worker], "cache", h.Key)), $"{h.Worker} composed without a copy of {h.Key}."));

        // Every worker is listed for admins with its queues; the killed one is not alive.
        var workers = (await admin.GetFromJsonAsync<JsonElement>("api/workers")).EnumerateArray().ToList();
        Assert.Contains(workers, w => w.GetProperty("name").GetString() == names[1] && w.GetProperty("alive").GetBoolean());
        Assert.Contains(workers, w => w.GetProperty("name").GetString() == names[2] && w.GetProperty("gpu").GetString()!.Contains("takes no GPU work"));
        Assert.Contains(workers, w => w.GetProperty("role").GetString() == "studio" && w.GetProperty("queues").GetArrayLength() == 0);
        Console.WriteLine($"Run {held} taken over {takeover.TotalSeconds:0.0} s after its worker was killed.");
    }
}
