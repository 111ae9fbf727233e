using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Script;

using ViralForge.Core.Security;

namespace ViralForge.Core.Pipeline;

public class PipelineCommandException(string message) : Exception(message);

/// <summary>
/// What people (through the UI or the API) can do to the pipeline: start videos, edit drafts, retry a
/// stage or scene, choose a candidate; review decisions and archiving live in the other parts.
/// </summary>
public sealed partial class PipelineCommands(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    PipelineScheduler scheduler,
    StageEnqueuer enqueuer,
    Publishing.PublishingCommands publishing,
    Publishing.PublicationQueue publicationQueue,
    Publishing.Duplicates.DuplicateGate duplicates,
    Microsoft.Extensions.Options.IOptions<PipelineOptions> options,
    Storage.DiskGuard disk,
    TimeProvider time)
{
    public async Task<Video> CreateVideoAsync(string brief, ScriptDocument script, JsonObject? parameters, StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Roles.Creator);
        StageParameters.CheckAll(parameters, strict: false);
        parameters = StageParameters.Normalize(parameters);
        await disk.EnsureRoomAsync(ct);
        var errors = ScriptValidator.Validate(script);
        if (errors.Count > 0)
        {
            throw new PipelineCommandException(string.Join(" ", errors));
        }
        if (brief.Length > 4000)
        {
            throw new PipelineCommandException("The brief is longer than 4000 characters.");
        }
        return await StartAsync(new Video
        {
            Title = script.Title.Trim(),
            Brief = brief,
            ScriptJson = script.ToJson(),
            ParametersJson = (parameters ?? []).ToJsonString(),
            CreatedBy = actor,
            Status = VideoStatus.InProgress,
        }, actor, null, ct);
    }

    /// <summary>A video from a brief: the Script stage asks the script model, then waits for the creator (unless autoContinue).</summary>
    /// <param name="videoId">A caller that must never make the same video twice (a sheet row) names its id; a second call then fails on the key.</param>
    public async Task<Video> CreateFromBriefAsync(ScriptRequest request, JsonObject? parameters, StudioActor by, CancellationToken ct, Trends.TrendLink? trend = null, Guid? videoId = null, string? brief = null)
    {
        var actor = by.Require(Roles.Creator);
        StageParameters.CheckAll(parameters, strict: false);
        parameters = StageParameters.Normalize(parameters);
        await disk.EnsureRoomAsync(ct);
        var errors = request.Validate();
        if (errors.Count > 0)
        {
            throw new PipelineCommandException(string.Join(" ", errors));
        }
        var all = (JsonObject?)parameters?.DeepClone() ?? [];
        var scriptParameters = all["Script"] as JsonObject ?? [];
        foreach (var (key, value) in request.ToParameters())
        {
            scriptParameters[key] = value?.DeepClone();
        }
        all["Script"] = scriptParameters;
        var topic = UntrustedText.Clean(request.Topic, ScriptRequest.MaxTopicChars).Text;
        return await StartAsync(new Video
        {
            Id = videoId ?? Guid.NewGuid(),
            Title = topic.Length <= 100 ? topic : topic[..99] + "…",
            Brief = (trend is null ? topic : $"{topic}\n\n{trend.Describe()}") + (brief is null ? "" : $"\n\n{brief}"),
            TrendItemId = trend?.ItemId,
            ScriptJson = null,
            ParametersJson = all.ToJsonString(),
            CreatedBy = actor,
            Status = VideoStatus.InProgress,
        }, actor, new { mode = "brief", request.Seconds, request.Language, request.Template, trend = trend?.ItemId }, ct);
    }

    /// <summary>Saves a new video with its first (Script) run and hands that run to the workers.</summary>
    private async Task<Video> StartAsync(Video video, string actor, object? auditDetails, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Videos.Add(video);
        var first = scheduler.NewRun(video, StageKind.Script, null, null, null);
        db.StageRuns.Add(first);
        Audit(db, actor, "video.create", video.Id.ToString(), auditDetails);
        await db.SaveChangesAsync(ct);
        await PipelineScheduler.NotifyAsync(db, first, ct);
        await enqueuer.EnqueueAsync([first], ct);
        return video;
    }

    /// <summary>
    /// The creator's word on the model's draft: the (possibly edited) script becomes the video's, and
    /// with <paramref name="proceed"/> the other stages start from it.
    /// </summary>
    public async Task<IReadOnlyList<StageRun>> SaveDraftAsync(Guid videoId, ScriptDocument? edited, bool proceed, StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Roles.Creator);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var video = EnsureActive(await PipelineScheduler.LockVideoAsync(db, videoId, ct));
        var live = await PipelineScheduler.LiveRunsAsync(db, videoId, ct);
        var draft = live.FirstOrDefault(r => r.Stage == StageKind.Script && r.Status == StageRunStatus.Waiting)
            ?? throw new PipelineCommandException("This video has no script draft waiting; to change a script that is in use, regenerate the Script stage.");
        var script = edited ?? ScriptDocument.Parse(video.ScriptJson).Script
            ?? throw new PipelineCommandException("The draft is not a valid script; edit it first.");
        var errors = ScriptValidator.Validate(script);
        if (errors.Count > 0)
        {
            throw new PipelineCommandException(string.Join(" ", errors));
        }
        var json = script.ToJson();
        var changed = edited is not null && json != video.ScriptJson;
        video.ScriptJson = json;
        video.Title = script.Title.Trim();
        List<StageRun> created = [];
        if (proceed)
        {
            draft.Status = StageRunStatus.Succeeded;
            draft.FinishedAt = time.GetUtcNow();
            created = await scheduler.CreateSuccessorsAsync(db, video, script, live, draft, ct);
        }
        video.Status = VideoStatusRules.From(live);
        video.UpdatedAt = time.GetUtcNow();
        Audit(db, actor, proceed ? "script.accept" : "script.edit", videoId.ToString(), new { edited = changed });
        await db.SaveChangesAsync(ct);
        await PipelineScheduler.NotifyAsync(db, draft, ct);
        await tx.CommitAsync(ct);
        await enqueuer.EnqueueAsync(created, ct);
        return created;
    }

    /// <summary>
    /// Re-runs a stage (or one scene of it) with changed parameters. Its live runs and everything
    /// downstream that depends on them are superseded; other scenes and other branches stay as they are.
    /// </summary>
    public Task<IReadOnlyList<StageRun>> RetryAsync(Guid videoId, StageKind stage, int? scene, JsonObject? overrides, StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Roles.Creator);
        if (overrides is not null && PipelineScheduler.OneRunOnly.FirstOrDefault(overrides.ContainsKey) is { } decision)
        {
            // A candidate becomes the output only through the reviewer's choose action, which checks the role and records who chose.
            throw new PipelineCommandException($"'{decision}' is a reviewer's choice among candidates, not a stage parameter: use the scene's choose action.");
        }
        StageParameters.Check(stage, overrides);
        return RerunAsync(videoId, stage, scene, overrides, actor, ct);
    }

    private async Task<IReadOnlyList<StageRun>> RerunAsync(Guid videoId, StageKind stage, int? scene, JsonObject? overrides, string actor, CancellationToken ct)
    {
        await disk.EnsureRoomAsync(ct);
        var node = StageGraph.Get(stage);
        if (!node.PerScene && scene is not null)
        {
            throw new PipelineCommandException($"{stage} works on the whole video; it has no scenes.");
        }
        if (stage == StageKind.Review)
        {
            throw new PipelineCommandException("Review is a person's decision: approve or reject the video instead.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var video = EnsureActive(await PipelineScheduler.LockVideoAsync(db, videoId, ct));
        var script = ScriptDocument.Parse(video.ScriptJson).Script
            ?? (stage == StageKind.Script ? new ScriptDocument() : throw new PipelineCommandException("The video has no valid script yet; run the Script stage first."));
        if (scene is { } s && (s < 0 || s >= script.Scenes.Count))
        {
            throw new PipelineCommandException($"Scene {s + 1} does not exist; the video has {script.Scenes.Count} scenes.");
        }
        var live = await PipelineScheduler.LiveRunsAsync(db, videoId, ct);
        var targets = node.PerScene
            ? scene is { } one ? [one] : Enumerable.Range(0, script.Scenes.Count).Select(i => (int?)i).ToList()
            : new List<int?> { null };
        foreach (var target in targets)
        {
            if (!PipelineScheduler.InputsReady(node, target, script, live))
            {
                throw new PipelineCommandException($"{stage} cannot run yet: an earlier stage it needs has not succeeded. Retry that stage first.");
            }
        }

        var now = time.GetUtcNow();
        var affected = new HashSet<StageKind>(StageGraph.Downstream(stage)) { stage };
        var superseded = live.Where(r => affected.Contains(r.Stage)
            && (r.SceneIndex is null || scene is null || r.SceneIndex == scene || !StageGraph.Get(stage).PerScene)).ToList();
        foreach (var run in superseded)
        {
            run.SupersededAt = now;
            EndIfUnfinished(run, now, "Superseded by a retry before it finished.");
            live.Remove(run);
        }
        await db.SaveChangesAsync(ct);

        var created = new List<StageRun>();
        foreach (var target in targets)
        {
            var previous = superseded.FirstOrDefault(r => r.Stage == stage && r.SceneIndex == target);
            var run = scheduler.NewRun(video, stage, target, overrides, previous);
            // A regeneration with changed inputs is checked before it is queued, so the creator hears about a
            // bad topic at once; throwing here leaves the transaction uncommitted, so nothing is superseded.
            if (stage == StageKind.Script && JsonNode.Parse(run.ParametersJson) is JsonObject p && ScriptRequest.IsGenerate(p)
                && ScriptRequest.ProblemsIn(p) is { Count: > 0 } problems)
            {
                throw new PipelineCommandException(string.Join(" ", problems));
            }
            db.StageRuns.Add(run);
            live.Add(run);
            created.Add(run);
        }
        video.Status = VideoStatusRules.From(live);
        video.UpdatedAt = now;
        Audit(db, actor, overrides?.ContainsKey("pick") == true ? "candidate.choose" : "stage.retry", videoId.ToString(),
            new { stage = stage.ToString(), scene, overrides = overrides?.ToJsonString() });
        await db.SaveChangesAsync(ct);
        foreach (var run in created)
        {
            await PipelineScheduler.NotifyAsync(db, run, ct);
        }
        await tx.CommitAsync(ct);
        await enqueuer.EnqueueAsync(created, ct);
        return created;
    }

    /// <summary>
    /// A reviewer prefers another candidate of a scene's narration or clip: it becomes the scene's
    /// output, and the cut is composed again.
    /// </summary>
    public async Task<IReadOnlyList<StageRun>> ChooseCandidateAsync(Guid videoId, StageKind stage, int scene, Guid candidateId, StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Roles.Reviewer);
        var prefix = stage switch
        {
            StageKind.Narration => Narration.NarrationStage.CandidatePrefix,
            StageKind.Clips => Clips.ClipStage.CandidatePrefix,
            StageKind.Keyframes => Keyframes.Stock.StockPhotoKeyframes.CandidatePrefix,
            _ => throw new PipelineCommandException($"{stage} has no candidates to choose from."),
        };
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var live = await db.StageRuns.AsNoTracking()
                .Where(r => r.VideoId == videoId && r.Stage == stage && r.SceneIndex == scene && r.SupersededAt == null)
                .FirstOrDefaultAsync(ct) ?? throw new PipelineCommandException($"Scene {scene + 1} has no {stage} run yet.");
            if (live.Status != StageRunStatus.Succeeded || !live.OutputArtifactIds.Contains(candidateId)
                || !await db.Artifacts.AnyAsync(a => a.Id == candidateId && a.Kind.StartsWith(prefix), ct))
            {
                throw new PipelineCommandException($"{candidateId} is not a candidate of scene {scene + 1}'s current {stage}.");
            }
        }
        return await RerunAsync(videoId, stage, scene, new JsonObject { ["pick"] = candidateId.ToString(), ["pickedBy"] = actor }, actor, ct);
    }

    private static void Audit(ViralForgeDbContext db, string actor, string action, string subject, object? details = null) =>
        db.AuditLog.Add(new AuditEntry
        {
            Actor = actor,
            Action = action,
            Subject = subject,
            DetailsJson = details is null ? null : JsonSerializer.Serialize(details),
        });

    /// <summary>
    /// A superseded run that was queued, running or waiting to retry ends here: its worker's next
    /// heartbeat finds the lease gone and stops, and no page shows it "running" forever.
    /// </summary>
    internal static void EndIfUnfinished(StageRun run, DateTimeOffset now, string reason)
    {
        if (run.Status is StageRunStatus.Queued or StageRunStatus.Running or StageRunStatus.RetryWaiting)
        {
            run.Status = StageRunStatus.Cancelled;
            run.FinishedAt = now;
            run.LeaseId = null;
            run.NextAttemptAt = null;
            run.Error = reason;
        }
    }

    private static Video EnsureActive(Video video) =>
        video.DeletedAt is not null ? throw new KeyNotFoundException($"Video {video.Id} does not exist.")
        : video.ArchivedAt is not null ? throw new PipelineCommandException("The video is archived: unarchive it first (its intermediate files may have been freed; the stages make them again).")
        : video;
}
