using System.Net;
using System.Net.Http.Json;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Pipeline;

[Trait("Category", "Process")]
public sealed class SupersededRunsTests
{
    [Fact]
    public async Task A_run_superseded_while_running_or_queued_ends_cancelled_and_never_succeeds_later()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("superseded");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("superseded"));
        // Slow clips on the single GPU-queue worker: while one scene's clip runs, the others wait in the queue.
        await studio.StartAsync(new() { ["Pipeline__FaultInjection__Clips"] = "delay:4" });
        var client = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var videoId = await TestScripts.CreateVideoAsync(client, TestScripts.Brief());
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () =>
            {
                var runs = await db.RunsAsync(videoId);
                return runs.Count(r => r.Stage == "Keyframes" && r.Status == "Succeeded") == 4 && runs.Any(r => r.Stage == "Clips" && r.Status == "Running");
            },
            TimeSpan.FromSeconds(60), () => $"Clips never started.\n{studio.Log}");
        var before = (await db.RunsAsync(videoId)).Where(r => r.Stage == "Clips" && r.Live).ToList();
        Assert.Contains(before, r => r.Status is "Queued" or "RetryWaiting");

        var retry = await client.PostAsJsonAsync($"api/videos/{videoId}/stages/Clips/retry", new { });
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);

        var ended = (await db.RunsAsync(videoId)).Where(r => before.Any(b => b.Id == r.Id)).ToList();
        Assert.All(ended, r =>
        {
            Assert.False(r.Live);
            Assert.True(r.Status is "Cancelled" or "Succeeded", $"run {r.Id} is {r.Status}");
            Assert.NotNull(r.FinishedAt);
        });
        Assert.Contains(ended, r => r.Status == "Cancelled" && r.Error!.Contains("Superseded", StringComparison.Ordinal));

        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview",
            TimeSpan.FromSeconds(150), () => $"The video did not reach review after the retry.\n{studio.Log}");
        // The worker that was running the old clip stopped at its next heartbeat: nothing it did later was recorded.
        var after = await db.RunsAsync(videoId);
        foreach (var old in ended.Where(r => r.Status == "Cancelled"))
        {
            var now = after.Single(r => r.Id == old.Id);
            Assert.Equal("Cancelled", now.Status);
            Assert.Equal(old.FinishedAt, now.FinishedAt);
            Assert.Empty(now.Artifacts);
        }
        Assert.DoesNotContain(after, r => !r.Live && r.Status is "Running" or "Queued" or "RetryWaiting");
    }
}
