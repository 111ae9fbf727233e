using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;
using ViralForge.Core.Data;
using ViralForge.Core.Media;

namespace ViralForge.Core.Pipeline;

/// <summary>Writes that record a run's outcome, retried through a database restart (they are lease-guarded and idempotent).</summary>
public static class StageDbWrites
{
    // Recording an outcome must survive a database restart: retry the (lease-guarded, idempotent) write.
    public static readonly ResiliencePipeline Retrying = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>().Handle<InvalidOperationException>(ex => ex.InnerException is NpgsqlException),
            MaxRetryAttempts = 8,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(5),
        })
        .Build();
}

/// <summary>
/// Records a failed attempt: permanent errors and spent budgets are dead-lettered at once (their owner
/// and the admins are told), anything else waits for its next attempt with backoff.
/// </summary>
public sealed class StageFailures(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    Notifications.Notifier notifier,
    IOptions<PipelineOptions> options,
    TimeProvider time,
    ILogger<StageFailures> log)
{
    private readonly PipelineOptions _options = options.Value;

    public async Task FailAsync(StageRun claimed, Guid lease, Exception ex, bool timedOut)
    {
        // A file that cannot give what the stage needs will not change by trying again.
        var permanent = ex is PermanentStageException or ScriptInvalidException or Media.MediaRejectedException
            || ex is ExternalToolException { Transient: false };
        var reason = timedOut
            ? $"The stage did not finish within {_options.StageTimeoutSeconds:0} s."
            : ex is PermanentStageException or TransientStageException or ExternalToolException or Media.MediaRejectedException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
        var logTail = (ex as ExternalToolException)?.StdErrTail;
        if (permanent)
        {
            log.LogWarning("Stage run {RunId} failed permanently: {Reason}", claimed.Id, reason);
        }
        else
        {
            log.LogWarning(ex, "Stage run {RunId} attempt {Attempt} failed: {Reason}", claimed.Id, claimed.Attempt, reason);
        }

        (Guid Id, string Title, string? Owner, string What)? deadLetter = null;
        await StageDbWrites.Retrying.ExecuteAsync(async token =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(token);
            await using var tx = await db.Database.BeginTransactionAsync(token);
            var video = await PipelineScheduler.LockVideoAsync(db, claimed.VideoId, token);
            var live = await PipelineScheduler.LiveRunsAsync(db, video.Id, token);
            var run = live.FirstOrDefault(r => r.Id == claimed.Id);
            if (run is null || run.LeaseId != lease || run.Status != StageRunStatus.Running)
            {
                return;
            }
            var exhausted = permanent || run.Attempt >= _options.MaxAttempts;
            run.LeaseId = null;
            run.LogTail = logTail;
            run.FinishedAt = time.GetUtcNow();
            if (exhausted)
            {
                run.Status = StageRunStatus.DeadLettered;
                run.Error = permanent
                    ? $"{reason} (not retried: another attempt cannot fix this)"
                    : $"{reason} (gave up after {run.Attempt} attempts)";
            }
            else
            {
                var delay = Backoff.Delay(run.Attempt, _options.RetryBaseDelaySeconds, _options.RetryMaxDelaySeconds, Random.Shared);
                run.Status = StageRunStatus.RetryWaiting;
                run.NextAttemptAt = time.GetUtcNow() + delay;
                run.Error = $"Attempt {run.Attempt} of {_options.MaxAttempts} failed: {reason}. Next attempt in {delay.TotalSeconds:0.0} s.";
            }
            video.Status = VideoStatusRules.From(live);
            video.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(token);
            await PipelineScheduler.NotifyAsync(db, run, token, run.Error);
            await tx.CommitAsync(token);
            deadLetter = exhausted ? (video.Id, video.Title, video.CreatedBy, $"{run.Stage}{(run.SceneIndex is { } s ? $" scene {s + 1}" : "")}: {run.Error}") : null;
        }, CancellationToken.None);
        if (deadLetter is { } d)
        {
            var text = $"“{d.Title}” stopped at {d.What}";
            await notifier.ToUserAsync(Notifications.NotificationKind.DeadLettered, d.Owner, text, $"/videos/{d.Id}", CancellationToken.None);
            await notifier.ToRolesAsync(Notifications.NotificationKind.DeadLettered, [], text, $"/videos/{d.Id}", CancellationToken.None);
        }
    }
}
