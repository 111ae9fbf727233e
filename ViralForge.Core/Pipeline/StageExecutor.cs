using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ViralForge.Core.Data;
using ViralForge.Core.Events;
using ViralForge.Core.Media;
using ViralForge.Core.Script;
using ViralForge.Core.Storage;

namespace ViralForge.Core.Pipeline;

/// <summary>
/// Runs one attempt of one stage run: claim it with a lease, keep a heartbeat, reuse an identical
/// earlier result or do the work, then record the outcome and its successors in one transaction.
/// </summary>
public sealed class StageExecutor(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    IEnumerable<IStageHandler> handlers,
    ArtifactStore store,
    StageInputLoader inputLoader,
    PipelineScheduler scheduler,
    StageEnqueuer enqueuer,
    Publishing.PublicationQueue publications,
    ProgressPublisher progress,
    Storage.DiskGuard disk,
    StageFailures failures,
    Notifications.Notifier notifier,
    IOptions<PipelineOptions> options,
    TimeProvider time,
    ILogger<StageExecutor> log)
{
    private static readonly string WorkerName = NodeIdentity.Name;
    private readonly PipelineOptions _options = options.Value;
    private readonly Dictionary<StageKind, IStageHandler> _handlers = handlers.ToDictionary(h => h.Stage);

    public async Task ExecuteAsync(long runId, CancellationToken ct)
    {
        if (await DeferredForDiskAsync(runId, ct))
        {
            return;
        }
        var lease = Guid.NewGuid();
        var claimed = await ClaimAsync(runId, lease, ct);
        if (claimed is null)
        {
            log.LogDebug("Stage run {RunId} is not claimable (done, superseded, or running elsewhere).", runId);
            return;
        }
        var (run, video) = claimed.Value;
        log.LogInformation("Stage {Stage} scene {Scene} of video {VideoId}: attempt {Attempt} (run {RunId}).", run.Stage, run.SceneIndex, run.VideoId, run.Attempt, run.Id);

        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        runCts.CancelAfter(TimeSpan.FromSeconds(_options.StageTimeoutSeconds));
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(run.Id, lease, runCts, heartbeatStop.Token);
        string? workFolder = null;
        try
        {
            if (run.Attempt > _options.MaxAttempts)
            {
                throw new PermanentStageException($"The run was started {run.Attempt - 1} times without finishing (the worker was lost each time).");
            }
            var handler = _handlers.GetValueOrDefault(run.Stage)
                ?? throw new PermanentStageException($"No handler is registered for stage {run.Stage}.");
            var script = ScriptDocument.Parse(video.ScriptJson).Script
                ?? (WritesScript(run) ? new ScriptDocument() : throw new PermanentStageException("The video's script no longer passes validation; fix it and retry from Script."));
            var inputs = await inputLoader.LoadInputsAsync(run, script, runCts.Token);
            var upload = await inputLoader.LoadUploadAsync(run, runCts.Token);
            if (upload is not null)
            {
                inputs.Add(new StageInput(run.Stage, run.SceneIndex, [upload], store.Root));
            }
            var external = await handler.ExternalInputsAsync(run, script, runCts.Token);
            var inputHash = StageInputLoader.InputHash(run, handler, script, inputs, external);

            if (StageGraph.Get(run.Stage).Reusable && await inputLoader.FindReusableAsync(run, inputHash, runCts.Token) is { } earlier)
            {
                log.LogInformation("Stage run {RunId} reuses run {EarlierId} (same input hash).", run.Id, earlier.Id);
                if (await CompleteAsync(run.Id, lease, [], earlier.OutputArtifactIds, false, inputHash, earlier.Id, ct))
                {
                    return;
                }
                log.LogInformation("Run {EarlierId}'s files were collected meanwhile; run {RunId} does the work.", earlier.Id, run.Id);
            }

            // With a remote store the handler reads this machine's copies: fetch (and check) what is missing.
            await store.EnsureLocalAsync(inputs.SelectMany(i => i.Artifacts).Select(a => a.StoreKey), runCts.Token);
            workFolder = store.CreateWorkFolder(run.Id, run.Attempt);
            var context = new StageContext
            {
                Run = run,
                Video = video,
                Script = script,
                Parameters = JsonNode.Parse(run.ParametersJson) as JsonObject ?? [],
                Inputs = inputs,
                WorkFolder = workFolder,
                Progress = progress.For(run),
                Upload = upload,
                UploadPath = upload is null ? null : store.PathFor(upload.StoreKey),
            };
            await InjectFaultAsync(run.Stage, runCts.Token);
            var outcome = await handler.ExecuteAsync(context, runCts.Token);

            var artifacts = new List<Artifact>();
            foreach (var file in outcome.Files)
            {
                var artifact = await store.CommitAsync(run.VideoId, file.Kind, file.Path, file.ContentType, ct);
                artifact.MediaInfoJson = file.MediaInfoJson;
                artifacts.Add(artifact);
            }
            await CompleteAsync(run.Id, lease, artifacts, artifacts.Select(a => a.Id).ToList(), outcome.AwaitsPerson, inputHash, null, ct, outcome.Script, outcome.Note);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: hand the run back so the next server picks it up at once.
            await ReleaseAsync(run.Id, lease);
            throw;
        }
        catch (Exception ex)
        {
            if (ex is OperationCanceledException && runCts.IsCancellationRequested && await IsLeaseLostAsync(run.Id, lease))
            {
                log.LogInformation("Stage run {RunId} was superseded or taken over while running; its result is dropped.", run.Id);
                return;
            }
            await failures.FailAsync(run, lease, ex, runCts.IsCancellationRequested && !ct.IsCancellationRequested);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
            if (workFolder is not null)
            {
                store.DeleteWorkFolder(workFolder);
            }
            store.TrimCache();
        }
    }

    /// <summary>
    /// Below the free-space floor a run that writes files waits in the queue (looked at again every
    /// 30 s) instead of failing half-way through a write; review and publishing go on.
    /// </summary>
    private async Task<bool> DeferredForDiskAsync(long runId, CancellationToken ct)
    {
        var state = await disk.MeasureAsync(ct);
        if (!state.BelowFloor)
        {
            return false;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var until = time.GetUtcNow().AddSeconds(30);
        var deferred = await db.StageRuns
            .Where(r => r.Id == runId && r.SupersededAt == null && r.Status == StageRunStatus.Queued
                && r.Stage != StageKind.Review && r.Stage != StageKind.Publish)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.NotBefore, until).SetProperty(r => r.EnqueuedAt, (DateTimeOffset?)null).SetProperty(r => r.Error, state.Describe()), ct);
        if (deferred > 0)
        {
            log.LogWarning("Stage run {RunId} waits for disk space: {Reason}", runId, state.Describe());
        }
        return deferred > 0;
    }

    private static bool WritesScript(StageRun run) =>
        run.Stage == StageKind.Script && JsonNode.Parse(run.ParametersJson) is JsonObject p && ScriptRequest.IsGenerate(p);

    private async Task<(StageRun Run, Video Video)?> ClaimAsync(long runId, Guid lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var staleBefore = now.AddSeconds(-_options.LostAfterSeconds);
        var claimed = await db.StageRuns
            .Where(r => r.Id == runId && r.SupersededAt == null
                && (r.NotBefore == null || r.NotBefore <= now)
                && (r.Status == StageRunStatus.Queued || (r.Status == StageRunStatus.Running && r.HeartbeatAt < staleBefore)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, StageRunStatus.Running)
                .SetProperty(r => r.Attempt, r => r.Attempt + 1)
                .SetProperty(r => r.StartedAt, now)
                .SetProperty(r => r.HeartbeatAt, now)
                .SetProperty(r => r.Worker, WorkerName)
                .SetProperty(r => r.LeaseId, lease)
                .SetProperty(r => r.NextAttemptAt, (DateTimeOffset?)null), ct);
        if (claimed == 0)
        {
            return null;
        }
        var run = await db.StageRuns.AsNoTracking().Include(r => r.Video).SingleAsync(r => r.Id == runId, ct);
        await PipelineScheduler.NotifyAsync(db, run, ct);
        return (run, run.Video!);
    }

    private async Task HeartbeatAsync(long runId, Guid lease, CancellationTokenSource runCts, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.HeartbeatSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await using var db = await dbFactory.CreateDbContextAsync(stop);
                    var now = time.GetUtcNow();
                    var alive = await db.StageRuns
                        .Where(r => r.Id == runId && r.LeaseId == lease && r.SupersededAt == null && r.Status == StageRunStatus.Running)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.HeartbeatAt, now), stop);
                    if (alive == 0)
                    {
                        await runCts.CancelAsync();
                        return;
                    }
                }
                catch (NpgsqlException ex)
                {
                    // The database may be restarting; the work goes on and the next beat tries again.
                    log.LogWarning("Heartbeat for run {RunId} failed: {Message}", runId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <returns>False only when a reused run's files were collected before they could be recorded.</returns>
    private async Task<bool> CompleteAsync(long runId, Guid lease, List<Artifact> newArtifacts, List<Guid> outputIds,
        bool awaitsPerson, string inputHash, long? reusedFrom, CancellationToken ct, ScriptDocument? newScript = null, string? note = null)
    {
        Guid? releasedVideo = null;
        var reuseLost = false;
        (Guid Id, string Title, StageKind Stage)? waiting = null;
        var created = await StageDbWrites.Retrying.ExecuteAsync(async token =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(token);
            await using var tx = await db.Database.BeginTransactionAsync(token);
            var runVideoId = await db.StageRuns.Where(r => r.Id == runId).Select(r => r.VideoId).SingleAsync(token);
            var video = await PipelineScheduler.LockVideoAsync(db, runVideoId, token);
            var live = await PipelineScheduler.LiveRunsAsync(db, video.Id, token);
            var run = live.FirstOrDefault(r => r.Id == runId);
            if (run is null || run.LeaseId != lease || run.Status != StageRunStatus.Running)
            {
                log.LogInformation("Stage run {RunId} lost its lease before finishing; its result is dropped.", runId);
                return [];
            }
            if (reusedFrom is not null && !await ReusedFilesStillThereAsync(db, outputIds, token))
            {
                reuseLost = true;
                return [];
            }
            if (newArtifacts.Count > 0 && !await Storage.ArtifactCollector.FilesStayAsync(db, store, newArtifacts.Select(a => a.StoreKey), token))
            {
                throw new TransientStageException("A stored file was collected while this run recorded it (another run had the same bytes); the run makes it again.");
            }
            db.Artifacts.AddRange(newArtifacts.Select(a => new Artifact
            {
                Id = a.Id, VideoId = a.VideoId, Kind = a.Kind, StoreKey = a.StoreKey, ContentType = a.ContentType,
                Sha256 = a.Sha256, Bytes = a.Bytes, MediaInfoJson = a.MediaInfoJson, CreatedAt = a.CreatedAt,
            }));
            run.Status = awaitsPerson ? StageRunStatus.Waiting : StageRunStatus.Succeeded;
            run.FinishedAt = time.GetUtcNow();
            run.OutputArtifactIds = outputIds;
            run.InputHash = inputHash;
            run.ReusedFromRunId = reusedFrom;
            run.Error = awaitsPerson ? note : null;
            run.LeaseId = null;
            if (newScript is not null)
            {
                video.ScriptJson = newScript.ToJson();
                video.Title = newScript.Title.Trim();
            }
            var script = ScriptDocument.Parse(video.ScriptJson).Script!;
            var successors = awaitsPerson ? [] : await scheduler.CreateSuccessorsAsync(db, video, script, live, run, token);
            releasedVideo = run.Stage == StageKind.Publish && !awaitsPerson ? video.Id : null;
            waiting = awaitsPerson && run.Stage is StageKind.Review or StageKind.Publish ? (video.Id, video.Title, run.Stage) : null;
            video.Status = VideoStatusRules.From(live);
            video.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(token);
            await PipelineScheduler.NotifyAsync(db, run, token);
            await tx.CommitAsync(token);
            return successors;
        }, ct);
        if (reuseLost)
        {
            return false;
        }
        await enqueuer.EnqueueAsync(created, ct);
        if (waiting is { } w)
        {
            await notifier.ToRolesAsync(Notifications.NotificationKind.NeedsReview, ["reviewer"],
                w.Stage == StageKind.Review ? $"“{w.Title}” is ready for review." : $"“{w.Title}” is held by the near-duplicate gate: a reviewer decides.",
                $"/videos/{w.Id}", ct);
        }
        if (releasedVideo is { } released)
        {
            // The fast path: publications whose slot has come go out now, not at the next sweep.
            await publications.DispatchAsync(released, ct);
        }
        return true;
    }

    /// <summary>
    /// Under the collector's lock (shared): the reused rows are still there, and since this
    /// transaction records them in a live run before the lock is released, the collector cannot take them after.
    /// </summary>
    private static async Task<bool> ReusedFilesStillThereAsync(ViralForgeDbContext db, List<Guid> ids, CancellationToken ct)
    {
        await Storage.ArtifactCollector.HoldSharedAsync(db, ct);
        return await db.Artifacts.CountAsync(a => ids.Contains(a.Id), ct) == ids.Distinct().Count();
    }

    private async Task ReleaseAsync(long runId, Guid lease)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            await db.StageRuns.Where(r => r.Id == runId && r.LeaseId == lease && r.Status == StageRunStatus.Running)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, StageRunStatus.Queued)
                    .SetProperty(r => r.Attempt, r => r.Attempt - 1)
                    .SetProperty(r => r.LeaseId, (Guid?)null)
                    .SetProperty(r => r.EnqueuedAt, (DateTimeOffset?)null));
        }
        catch (NpgsqlException ex)
        {
            log.LogWarning("Could not hand back run {RunId} on shutdown ({Message}); the sweeper will recover it.", runId, ex.Message);
        }
    }

    private async Task<bool> IsLeaseLostAsync(long runId, Guid lease)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return !await db.StageRuns.AnyAsync(r => r.Id == runId && r.LeaseId == lease && r.SupersededAt == null);
    }

    private async Task InjectFaultAsync(StageKind stage, CancellationToken ct)
    {
        if (!_options.FaultInjection.TryGetValue(stage.ToString(), out var fault) || string.IsNullOrWhiteSpace(fault))
        {
            return;
        }
        if (fault.StartsWith("delay:", StringComparison.Ordinal) && double.TryParse(fault.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), time, ct);
            return;
        }
        throw fault switch
        {
            "fail-transient" => new TransientStageException($"Injected transient fault in {stage} (Pipeline:FaultInjection)."),
            "fail-permanent" => new PermanentStageException($"Injected permanent fault in {stage} (Pipeline:FaultInjection)."),
            _ => new PermanentStageException($"Unknown fault injection '{fault}' for {stage}."),
        };
    }
}

public sealed class ScriptInvalidException(string message) : Exception(message);
