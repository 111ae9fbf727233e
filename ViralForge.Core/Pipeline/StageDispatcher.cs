using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;

namespace ViralForge.Core.Pipeline;

/// <summary>
/// Each stage's recurring dispatcher: finds that stage's due or lost runs in PostgreSQL and enqueues
/// them. The completion fast path enqueues successors at once; this is the safety net after crashes,
/// for retries whose backoff has passed, and for scheduled publications.
/// </summary>
public sealed class StageDispatcher(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    StageEnqueuer enqueuer,
    Publishing.PublicationQueue publications,
    Publishing.Stats.StatsCollector stats,
    JobStorage storage,
    IOptions<PipelineOptions> options,
    TimeProvider time,
    ILogger<StageDispatcher> log)
{
    // "Processing" is deliberately not here: a worker claims its run within milliseconds of fetching
    // the job, so a still-queued run whose job is "Processing" lost its worker between fetch and claim.
    private static readonly HashSet<string> WaitingJobStates = ["Enqueued", "Scheduled", "Awaiting"];
    private static readonly TimeSpan EnqueueGrace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RecheckQueuedAfter = TimeSpan.FromSeconds(8);

    public static string RecurringJobId(StageKind stage) => $"dispatch-{stage.ToString().ToLowerInvariant()}";

    // No distributed lock: two sweeps at once only enqueue a run twice, and the claim makes that a no-op.
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Dispatch {0}")]
    public async Task<int> DispatchAsync(StageKind stage, CancellationToken ct)
    {
        if (stage == StageKind.Publish)
        {
            // The Publish stage's dispatcher also sends the publications whose slot has come (paused with it).
            await publications.DispatchAsync(null, ct);
            // And the numbers back from the platforms, for live publications whose reading is due.
            await stats.DispatchAsync(ct);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();

        // Retries whose backoff has passed go back to the queue.
        await db.StageRuns
            .Where(r => r.Stage == stage && r.SupersededAt == null && r.Status == StageRunStatus.RetryWaiting && r.NextAttemptAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, StageRunStatus.Queued).SetProperty(r => r.EnqueuedAt, (DateTimeOffset?)null), ct);

        var staleBefore = now.AddSeconds(-options.Value.LostAfterSeconds);
        var graceBefore = now - EnqueueGrace;
        var recheckBefore = now - RecheckQueuedAfter;
        var candidates = await db.StageRuns.AsNoTracking()
            .Where(r => r.Stage == stage && r.SupersededAt == null
                && ((r.Status == StageRunStatus.Queued && (r.NotBefore == null || r.NotBefore <= now)
                        && ((r.EnqueuedAt == null && r.QueuedAt < graceBefore) || r.EnqueuedAt < recheckBefore))
                    || (r.Status == StageRunStatus.Running && r.HeartbeatAt < staleBefore)))
            .OrderBy(r => r.Id)
            .Take(500)
            .ToListAsync(ct);
        if (candidates.Count == 0)
        {
            return 0;
        }

        using var connection = storage.GetConnection();
        var lost = candidates.Where(r => r.Status == StageRunStatus.Running || r.EnqueuedAt is null || !IsJobAlive(connection, r.JobId)).ToList();
        foreach (var run in lost.Where(r => r.Status == StageRunStatus.Running))
        {
            log.LogWarning("Stage run {RunId} ({Stage}) lost its worker (no heartbeat since {Heartbeat}); re-queuing it.", run.Id, run.Stage, run.HeartbeatAt);
            // The claim accepts a stale Running run, so the status can stay as it is until then.
            run.Status = StageRunStatus.Queued;
        }
        await enqueuer.EnqueueAsync(lost, ct);
        return lost.Count;
    }

    private static bool IsJobAlive(IStorageConnection connection, string? jobId) =>
        jobId is not null && connection.GetJobData(jobId)?.State is { } state && WaitingJobStates.Contains(state);
}
