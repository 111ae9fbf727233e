using System.Security.Cryptography;
using ViralForge.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ViralForge.Tests.Pipeline;

/// <summary>SIGKILL the studio while a stage runs, start it again: the video finishes and nothing that succeeded runs again.</summary>
[Trait("Category", "Process")]
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Keyframes")]
    [InlineData("Clips")]
    [InlineData("Narration")]
    [InlineData("Compose")]
    public async Task Killed_mid_stage_the_video_finishes_without_rerunning_succeeded_stages(string stage)
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("crash");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("crash"));
        // Hold the stage long enough to kill the process in the middle of it.
        await studio.StartAsync(new() { [$"Pipeline__FaultInjection__{stage}"] = "delay:30" });
        var key = await studio.IssueApiKeyAsync("creator");
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(key), TestScripts.Brief());
        var db = new PipelineDb(cs);

        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Any(r => r.Stage == stage && r.Status == "Running"),
            TimeSpan.FromSeconds(90), () => $"{stage} never started.\n{studio.Log}");
        await studio.KillAsync();

        var before = await db.RunsAsync(videoId);
        var succeededBefore = before.Where(r => r.Status == "Succeeded").ToList();
        var interrupted = before.Where(r => r.Status == "Running").Select(r => r.Id).ToList();
        Assert.NotEmpty(interrupted);

        var restarted = DateTime.UtcNow;
        await studio.StartAsync();
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview",
            TimeSpan.FromSeconds(150), () => $"Video did not reach review after restart.\n{studio.Log}");
        output.WriteLine($"Recovered to review {(DateTime.UtcNow - restarted).TotalSeconds:0.0} s after the restart began.");

        var after = await db.RunsAsync(videoId);
        foreach (var run in succeededBefore)
        {
            var now = after.Single(r => r.Id == run.Id);
            Assert.True(now.Live, $"Run {run.Id} ({run.Stage}) was superseded.");
            Assert.Equal(run.Attempt, now.Attempt);
            Assert.Equal(run.FinishedAt, now.FinishedAt);
            Assert.Equal(run.Artifacts, now.Artifacts);
        }
        foreach (var id in interrupted)
        {
            var resumed = after.Single(r => r.Id == id);
            Assert.Equal("Succeeded", resumed.Status);
            Assert.True(resumed.Attempt >= 2, $"Interrupted run {id} shows attempt {resumed.Attempt}.");
        }
        // Exactly one live run per stage and scene: Script, 4 x (keyframe, clip, narration), Compose, Review.
        var live = after.Where(r => r.Live).ToList();
        Assert.Equal(1 + 4 * 3 + 2, live.Count);
        Assert.Equal(live.Count, live.Select(r => (r.Stage, r.Scene)).Distinct().Count());
        await AssertArtifactsIntactAsync(db, studio, videoId, live);
    }

    internal static Task AssertArtifactsIntactAsync(PipelineDb db, StudioProcess studio, Guid videoId, IEnumerable<RunRow> live) =>
        AssertArtifactsIntactAsync(db, videoId, live, key =>
        {
            var path = Path.Combine(studio.ArtifactsPath, key);
            Assert.True(File.Exists(path), $"Artifact file {key} is missing.");
            return Task.FromResult(path);
        });

    /// <param name="localFile">Where the stored file for a key can be read (fetched from a remote store, say).</param>
    internal static async Task AssertArtifactsIntactAsync(PipelineDb db, Guid videoId, IEnumerable<RunRow> live, Func<string, Task<string>> localFile)
    {
        var artifacts = (await db.ArtifactsAsync(videoId)).ToDictionary(a => a.Id);
        var referenced = live.SelectMany(r => r.Artifacts).ToList();
        Assert.NotEmpty(referenced);
        foreach (var id in referenced)
        {
            var artifact = artifacts[id];
            await using var stream = File.OpenRead(await localFile(artifact.StoreKey));
            Assert.Equal(artifact.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)));
            Assert.Equal(artifact.Bytes, stream.Length);
        }
    }
}
