using System.Linq.Expressions;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Publishing;

/// <summary>
/// Finds publications that are due (their slot has come, the video passed its Publish stage, no live
/// worker holds them) and hands their IDs to Hangfire. Run by the Publish stage's recurring dispatcher
/// and, as a fast path, right after a video's Publish stage succeeds. Future work stays in rows,
/// never in delayed jobs.
/// </summary>
public sealed class PublicationQueue(
    IBackgroundJobClient jobs,
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    IOptions<PipelineOptions> pipeline,
    IOptions<PublishingOptions> publishing,
    TimeProvider time)
{
    // A job that was enqueued but has not claimed its row within this long is enqueued again (the claim makes a repeat a no-op).
    private static readonly TimeSpan RequeueAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Due publications: the filter shared by the dispatcher and the runner's claim. A public YouTube video
    /// whose slot is within the upload-ahead window is due now: YouTube holds it (publishAt) for the slot.
    /// </summary>
    public static Expression<Func<Publication, bool>> IsDue(ViralForgeDbContext db, DateTimeOffset now, DateTimeOffset staleBefore, YouTube.YouTubeOptions youtube)
    {
        var ahead = youtube.UploadAheadMinutes > 0;
        var aheadFrom = now.AddSeconds(youtube.PublishAtMinimumSeconds);
        var aheadUntil = now.AddMinutes(youtube.UploadAheadMinutes);
        return p => (p.Status == PublicationStatus.Scheduled || p.Status == PublicationStatus.Uploading || p.Status == PublicationStatus.Processing)
            && (p.ScheduledFor <= now
                || (ahead && p.Channel!.Platform == ChannelPlatform.YouTube && p.Channel.DefaultPrivacy == "public" && p.ScheduledFor > aheadFrom && p.ScheduledFor <= aheadUntil))
            && (p.NextAttemptAt == null || p.NextAttemptAt <= now)
            && (p.LeaseId == null || p.HeartbeatAt < staleBefore)
            && db.StageRuns.Any(r => r.VideoId == p.VideoId && r.Stage == StageKind.Publish && r.SupersededAt == null && r.Status == StageRunStatus.Succeeded);
    }

    public async Task<int> DispatchAsync(Guid? videoId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var requeueBefore = now - RequeueAfter;
        var due = await db.Publications.Where(IsDue(db, now, now.AddSeconds(-pipeline.Value.LostAfterSeconds), publishing.Value.YouTube))
            .Where(p => videoId == null || p.VideoId == videoId)
            .Where(p => p.EnqueuedAt == null || p.EnqueuedAt < requeueBefore || p.LeaseId != null)
            .OrderBy(p => p.ScheduledFor)
            .Select(p => p.Id)
            .Take(200)
            .ToListAsync(ct);
        foreach (var id in due)
        {
            jobs.Create(Job.FromExpression<PublicationJob>(j => j.RunAsync(id, CancellationToken.None)), new EnqueuedState(Queues.Default));
            await db.Publications.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.EnqueuedAt, now), ct);
        }
        return due.Count;
    }
}

/// <summary>The Hangfire entry point: a publication ID and nothing else.</summary>
public sealed class PublicationJob(PublicationRunner runner)
{
    // Retries are the runner's own (bounded, with backoff, recorded on the publication).
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Publication {0}")]
    public Task RunAsync(long publicationId, CancellationToken cancellationToken) => runner.RunAsync(publicationId, cancellationToken);
}
