using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;

namespace ViralForge.Core.Pipeline;

/// <summary>Hands queued runs to Hangfire (IDs only) after their rows are committed.</summary>
public sealed class StageEnqueuer(IBackgroundJobClient jobs, IDbContextFactory<ViralForgeDbContext> dbFactory, StageQueueRouter queues, TimeProvider time)
{
    public async Task EnqueueAsync(IEnumerable<StageRun> runs, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var due = runs.Where(r => r.Status == StageRunStatus.Queued && (r.NotBefore is null || r.NotBefore <= now)).ToList();
        if (due.Count == 0)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var run in due)
        {
            var enqueuedAt = time.GetUtcNow();
            var runId = run.Id;
            var jobId = jobs.Create(
                Job.FromExpression<StageJob>(j => j.RunAsync(runId, CancellationToken.None)),
                new EnqueuedState(queues.QueueFor(run)));
            await db.StageRuns.Where(r => r.Id == runId)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.JobId, jobId).SetProperty(r => r.EnqueuedAt, enqueuedAt), ct);
        }
    }
}

/// <summary>The Hangfire entry point: a stage run ID and nothing else.</summary>
public sealed class StageJob(StageExecutor executor)
{
    // Retries are the pipeline's own (bounded, with backoff, recorded in stage_runs), not Hangfire's.
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Stage run {0}")]
    public Task RunAsync(long stageRunId, CancellationToken cancellationToken) =>
        executor.ExecuteAsync(stageRunId, cancellationToken);
}
