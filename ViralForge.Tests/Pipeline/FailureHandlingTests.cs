using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Pipeline;

[Collection(SerialCollection.Name)]
[Trait("Category", "Process")]
public sealed class FailureHandlingTests
{
    [Fact]
    public async Task A_stage_that_keeps_failing_is_dead_lettered_after_its_budget_and_retry_from_here_finishes_the_video()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("dead");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("dead"));
        await studio.StartAsync(new()
        {
            ["Pipeline__FaultInjection__Narration"] = "fail-transient",
            ["Pipeline__MaxAttempts"] = "3",
        });
        var key = await studio.IssueApiKeyAsync("admin");
        var client = studio.Client(key);
        var videoId = await TestScripts.CreateVideoAsync(client, TestScripts.Brief());
        var db = new PipelineDb(cs);

        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "Failed"
                && (await db.RunsAsync(videoId)).Count(r => r.Stage == "Narration" && r.Status == "DeadLettered") == 4,
            TimeSpan.FromSeconds(120), () => $"Narration was not dead-lettered.\n{studio.Log}");
        // Let the other branch finish: keyframes and clips are unaffected by narration failing.
        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Count(r => r.Stage == "Clips" && r.Status == "Succeeded") == 4,
            TimeSpan.FromSeconds(120), () => $"Clips did not finish.\n{studio.Log}");

        var runs = await db.RunsAsync(videoId);
        foreach (var narration in runs.Where(r => r.Stage == "Narration"))
        {
            Assert.Equal(3, narration.Attempt);
            Assert.Contains("gave up after 3 attempts", narration.Error);
        }
        Assert.DoesNotContain(runs, r => r.Stage == "Compose");

        // The reason is visible through the API.
        var detail = JsonDocument.Parse(await client.GetStringAsync($"api/videos/{videoId}")).RootElement;
        Assert.Equal("Failed", detail.GetProperty("status").GetString());
        var apiRuns = detail.GetProperty("runs").EnumerateArray().Where(r => r.GetProperty("stage").GetString() == "Narration").ToList();
        Assert.All(apiRuns, r => Assert.Contains("Injected transient fault", r.GetProperty("error").GetString()));

        // The cause goes away; "retry from here" re-runs only narration and what depends on it.
        await studio.KillAsync();
        await studio.StartAsync();
        var keyframesBefore = runs.Where(r => r.Stage is "Keyframes" or "Clips" or "Script").ToList();
        var retry = await client.PostAsJsonAsync($"api/videos/{videoId}/stages/narration/retry", new { });
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview",
            TimeSpan.FromSeconds(120), () => $"Video did not reach review after retry.\n{studio.Log}");
        var after = await db.RunsAsync(videoId);
        foreach (var run in keyframesBefore)
        {
            var same = after.Single(r => r.Id == run.Id);
            Assert.True(same.Live);
            Assert.Equal(run.FinishedAt, same.FinishedAt);
        }
        await CrashRecoveryTests.AssertArtifactsIntactAsync(db, studio, videoId, after.Where(r => r.Live));
    }

    [Fact]
    public async Task A_permanent_error_is_dead_lettered_at_once_with_an_actionable_reason()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("perm");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("perm"));
        await studio.StartAsync();
        var client = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var parameters = new JsonObject { ["Narration"] = new JsonObject { ["voice"] = "xx-no-such-voice" } };
        var videoId = await TestScripts.CreateVideoAsync(client, TestScripts.Brief(), parameters);
        var db = new PipelineDb(cs);

        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Count(r => r.Stage == "Narration" && r.Status == "DeadLettered") == 4,
            TimeSpan.FromSeconds(90), () => $"Narration was not dead-lettered.\n{studio.Log}");
        var narration = (await db.RunsAsync(videoId)).Where(r => r.Stage == "Narration").ToList();
        Assert.All(narration, r =>
        {
            Assert.Equal(1, r.Attempt);
            Assert.Contains("espeak-ng has no voice 'xx-no-such-voice'", r.Error);
            Assert.Contains("not retried", r.Error);
        });

        // Sending the stage back with a valid voice repairs it.
        var retry = await client.PostAsJsonAsync($"api/videos/{videoId}/stages/Narration/retry", new { parameters = new { voice = "en-gb" } });
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview",
            TimeSpan.FromSeconds(120), () => $"Video did not reach review.\n{studio.Log}");
    }

    [Fact]
    public async Task Restarting_PostgreSQL_mid_flight_needs_no_manual_action()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("pgrestart");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("pgrestart"));
        await studio.StartAsync(new() { ["Pipeline__FaultInjection__Clips"] = "delay:3" });
        var client = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var videoId = await TestScripts.CreateVideoAsync(client, TestScripts.Brief());
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Any(r => r.Stage == "Clips" && r.Status == "Running"),
            TimeSpan.FromSeconds(60), () => $"Clips never started.\n{studio.Log}");

        await TestEnvironment.RestartPostgresAsync();

        await Eventually.WaitAsync(async () =>
            {
                try
                {
                    return await db.VideoStatusAsync(videoId) == "AwaitingReview";
                }
                catch (Npgsql.NpgsqlException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(150), () => $"Video did not reach review after the database restart.\n{studio.Log}");
        var live = (await db.RunsAsync(videoId)).Where(r => r.Live).ToList();
        Assert.Equal(1 + 4 * 3 + 2, live.Count);
        await CrashRecoveryTests.AssertArtifactsIntactAsync(db, studio, videoId, live);
    }

    [Fact]
    public async Task Locks_left_by_a_killed_process_do_not_stop_the_next_start()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("stalelock");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("stalelock"));
        await studio.StartAsync();
        await studio.KillAsync();
        // What a SIGKILL during Hangfire's recurring-job bookkeeping leaves behind.
        await using (var conn = new Npgsql.NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            foreach (var stage in Enum.GetNames<ViralForge.Core.Pipeline.StageKind>())
            {
                await using var cmd = new Npgsql.NpgsqlCommand(
                    "INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ($1, 0, now()) ON CONFLICT DO NOTHING", conn);
                cmd.Parameters.AddWithValue($"hangfire:lock:recurring-job:dispatch-{stage.ToLowerInvariant()}");
                await cmd.ExecuteNonQueryAsync();
            }
        }

        await studio.StartAsync();
        var client = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var videoId = await TestScripts.CreateVideoAsync(client, TestScripts.Brief());
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        // Registration waits out the stale locks in the background, then finishes and releases them.
        await Eventually.WaitAsync(async () =>
        {
            await using var conn = new Npgsql.NpgsqlConnection(cs);
            await conn.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand("SELECT count(*) FROM hangfire.lock WHERE resource LIKE 'hangfire:lock:recurring-job:dispatch-%'", conn);
            return (long)(await cmd.ExecuteScalarAsync())! == 0;
        }, TimeSpan.FromSeconds(120), () => studio.Log);
        Assert.True(studio.IsRunning, "The studio stopped:\n" + studio.Log);
    }
}
