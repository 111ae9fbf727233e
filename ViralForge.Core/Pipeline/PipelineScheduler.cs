using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Events;
using ViralForge.Core.Script;

namespace ViralForge.Core.Pipeline;

/// <summary>
/// Creates the runs whose inputs just became complete. Always called inside a transaction that
/// holds the video's row lock, so two completions of one video never race.
/// </summary>
public sealed class PipelineScheduler(TimeProvider time)
{
    public static async Task<Video> LockVideoAsync(ViralForgeDbContext db, Guid videoId, CancellationToken ct) =>
        await db.Videos.FromSql($"SELECT * FROM videos WHERE id = {videoId} FOR UPDATE").SingleOrDefaultAsync(ct)
        ?? throw new KeyNotFoundException($"Video {videoId} does not exist.");

    public static Task<List<StageRun>> LiveRunsAsync(ViralForgeDbContext db, Guid videoId, CancellationToken ct) =>
        db.StageRuns.Where(r => r.VideoId == videoId && r.SupersededAt == null).ToListAsync(ct);

    /// <summary>
    /// New queued runs for every successor of <paramref name="finished"/> whose inputs are all done.
    /// A run that replaces a superseded one keeps that one's parameters (an uploaded clip, a chosen motion).
    /// </summary>
    public async Task<List<StageRun>> CreateSuccessorsAsync(ViralForgeDbContext db, Video video, ScriptDocument script, List<StageRun> live, StageRun finished, CancellationToken ct)
    {
        var history = await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == video.Id && r.SupersededAt != null)
            .OrderByDescending(r => r.Id)
            .Select(r => new { r.Stage, r.SceneIndex, r.ParametersJson })
            .ToListAsync(ct);
        var created = new List<StageRun>();
        var finishedNode = StageGraph.Get(finished.Stage);
        foreach (var next in StageGraph.Successors(finished.Stage))
        {
            IEnumerable<int?> scenes = next.PerScene
                ? finishedNode.PerScene ? [finished.SceneIndex] : Enumerable.Range(0, script.Scenes.Count).Select(i => (int?)i)
                : [null];
            foreach (var scene in scenes)
            {
                if (live.Any(r => r.Stage == next.Stage && r.SceneIndex == scene) || !InputsReady(next, scene, script, live))
                {
                    continue;
                }
                var previous = history.FirstOrDefault(h => h.Stage == next.Stage && h.SceneIndex == scene);
                var run = NewRun(video, next.Stage, scene, overrides: null,
                    previous: previous is null ? null : new StageRun { ParametersJson = previous.ParametersJson });
                db.StageRuns.Add(run);
                live.Add(run);
                created.Add(run);
            }
        }
        return created;
    }

    public static bool InputsReady(StageGraph.Node node, int? scene, ScriptDocument script, IReadOnlyList<StageRun> live) =>
        node.DependsOn.All(dep =>
        {
            var depNode = StageGraph.Get(dep);
            IEnumerable<int?> needed = depNode.PerScene
                ? node.PerScene ? [scene] : Enumerable.Range(0, script.Scenes.Count).Select(i => (int?)i)
                : [null];
            return needed.All(s => live.Any(r => r.Stage == dep && r.SceneIndex == s && r.Status == StageRunStatus.Succeeded));
        });

    /// <summary>Parameters that are a decision about one run's output (a reviewer's pick), never inherited by the next run.</summary>
    internal static readonly string[] OneRunOnly = ["pick", "pickedBy"];

    public StageRun NewRun(Video video, StageKind stage, int? scene, JsonObject? overrides, StageRun? previous)
    {
        var parameters = previous is not null
            ? JsonNode.Parse(previous.ParametersJson) as JsonObject ?? []
            : DefaultsFor(video, stage);
        foreach (var key in OneRunOnly)
        {
            parameters.Remove(key);
        }
        foreach (var (key, value) in overrides ?? [])
        {
            parameters[key] = value?.DeepClone();
        }
        var now = time.GetUtcNow();
        return new StageRun
        {
            VideoId = video.Id,
            Stage = stage,
            SceneIndex = scene,
            Status = StageRunStatus.Queued,
            ParametersJson = parameters.ToJsonString(),
            CreatedAt = now,
            QueuedAt = now,
        };
    }

    private static JsonObject DefaultsFor(Video video, StageKind stage) =>
        JsonNode.Parse(video.ParametersJson) is JsonObject all && all[stage.ToString()] is JsonObject forStage
            ? (JsonObject)forStage.DeepClone()
            : [];

    public static Task NotifyAsync(ViralForgeDbContext db, StageRun run, CancellationToken ct, string? message = null) =>
        PipelineNotify.SendAsync(db, new PipelineEvent(run.VideoId, run.Id, run.Stage.ToString(), run.SceneIndex, run.Status.ToString(), null, message), ct);
}
