using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Script;
using ViralForge.Core.Security;

namespace ViralForge.Core.Pipeline;

/// <summary>A reviewer's decisions: approve into the channels' slots, reject, or decide on a video the near-duplicate gate held.</summary>
public sealed partial class PipelineCommands
{
    /// <summary>
    /// A reviewer's approval: the video's publications are planned (chosen or default channels, at the
    /// next free slot, a chosen time, or now) in the same transaction, and the Publish stage (the gate) starts.
    /// </summary>
    public async Task ApproveAsync(Guid videoId, StudioActor by, Publishing.PublishPlan? plan, CancellationToken ct)
    {
        var reviewer = by.Require(Roles.Reviewer);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var video = EnsureActive(await PipelineScheduler.LockVideoAsync(db, videoId, ct));
        var live = await PipelineScheduler.LiveRunsAsync(db, videoId, ct);
        if (HeldByGate(live) is { } held)
        {
            await DecideHeldAsync(db, video, live, held, reviewer, null, ct);
            await tx.CommitAsync(ct);
            // Counted as out from now on; its publications whose slot has come go now.
            await duplicates.ReleaseAsync(videoId, ct);
            await publicationQueue.DispatchAsync(videoId, ct);
            return;
        }
        var review = live.FirstOrDefault(r => r.Stage == StageKind.Review && r.Status == StageRunStatus.Waiting)
            ?? throw new PipelineCommandException("This video is not waiting for review.");
        if (options.Value.FourEyes && string.Equals(video.CreatedBy, reviewer, StringComparison.OrdinalIgnoreCase))
        {
            throw new PipelineCommandException($"Four-eyes rule: {reviewer} started this video, so another reviewer must approve it.");
        }
        review.Status = StageRunStatus.Succeeded;
        review.FinishedAt = time.GetUtcNow();
        review.Error = null;
        db.ReviewDecisions.Add(new ReviewDecision { VideoId = videoId, Outcome = ReviewOutcome.Approved, Reviewer = reviewer });
        var script = ScriptDocument.Parse(video.ScriptJson).Script!;
        List<Publishing.Publication> publications;
        try
        {
            publications = await publishing.ScheduleAsync(db, videoId, plan ?? new Publishing.PublishPlan(null), reviewer, ct);
        }
        catch (Publishing.PublishingException ex)
        {
            throw new PipelineCommandException(ex.Message);
        }
        var created = await scheduler.CreateSuccessorsAsync(db, video, script, live, review, ct);
        video.Status = VideoStatusRules.From(live);
        video.UpdatedAt = time.GetUtcNow();
        Audit(db, reviewer, "video.approve", videoId.ToString(), new
        {
            slot = (plan?.Slot ?? Publishing.SlotChoice.Next).ToString(),
            publications = publications.Select(p => new { channel = p.ChannelId, p.ScheduledFor }),
        });
        await db.SaveChangesAsync(ct);
        await PipelineScheduler.NotifyAsync(db, review, ct);
        await tx.CommitAsync(ct);
        await enqueuer.EnqueueAsync(created, ct);
    }

    public async Task RejectAsync(Guid videoId, StudioActor by, string reason, CancellationToken ct)
    {
        var reviewer = by.Require(Roles.Reviewer);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new PipelineCommandException("Say why the video is rejected, so the creator knows what to change.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var video = EnsureActive(await PipelineScheduler.LockVideoAsync(db, videoId, ct));
        var live = await PipelineScheduler.LiveRunsAsync(db, videoId, ct);
        if (HeldByGate(live) is { } held)
        {
            await DecideHeldAsync(db, video, live, held, reviewer, reason.Trim(), ct);
            await tx.CommitAsync(ct);
            return;
        }
        var review = live.FirstOrDefault(r => r.Stage == StageKind.Review && r.Status == StageRunStatus.Waiting)
            ?? throw new PipelineCommandException("This video is not waiting for review.");
        review.Status = StageRunStatus.Rejected;
        review.FinishedAt = time.GetUtcNow();
        review.Error = $"Rejected by {reviewer}: {reason.Trim()}";
        db.ReviewDecisions.Add(new ReviewDecision { VideoId = videoId, Outcome = ReviewOutcome.Rejected, Reviewer = reviewer, Reason = reason.Trim() });
        video.Status = VideoStatusRules.From(live);
        video.UpdatedAt = time.GetUtcNow();
        Audit(db, reviewer, "video.reject", videoId.ToString(), new { reason });
        await db.SaveChangesAsync(ct);
        await PipelineScheduler.NotifyAsync(db, review, ct);
        await tx.CommitAsync(ct);
    }

    private static StageRun? HeldByGate(List<StageRun> live) =>
        live.FirstOrDefault(r => r.Stage == StageKind.Publish && r.Status == StageRunStatus.Waiting);

    /// <summary>
    /// A reviewer's word on a video the near-duplicate gate held: let it out anyway (no reason) or reject
    /// it (its scheduled publications are cancelled). Either way the report stays on the run.
    /// </summary>
    private async Task DecideHeldAsync(ViralForgeDbContext db, Video video, List<StageRun> live, StageRun held, string reviewer, string? rejectReason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var report = held.Error;
        held.FinishedAt = now;
        if (rejectReason is null)
        {
            held.Status = StageRunStatus.Succeeded;
            held.Error = $"Let through by {reviewer} despite the near-duplicate gate. {report}";
            db.ReviewDecisions.Add(new ReviewDecision { VideoId = video.Id, Outcome = ReviewOutcome.Approved, Reviewer = reviewer, Reason = "Published despite the near-duplicate gate." });
        }
        else
        {
            held.Status = StageRunStatus.Rejected;
            held.Error = $"Rejected by {reviewer}: {rejectReason} ({report})";
            db.ReviewDecisions.Add(new ReviewDecision { VideoId = video.Id, Outcome = ReviewOutcome.Rejected, Reviewer = reviewer, Reason = rejectReason });
            await db.Publications.Where(p => p.VideoId == video.Id && p.Status == Publishing.PublicationStatus.Scheduled)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.Status, Publishing.PublicationStatus.Cancelled)
                    .SetProperty(p => p.Error, $"Cancelled: the video was rejected after the near-duplicate gate held it."), ct);
        }
        video.Status = VideoStatusRules.From(live);
        video.UpdatedAt = now;
        Audit(db, reviewer, rejectReason is null ? "video.release-held" : "video.reject-held", video.Id.ToString(), new { report, reason = rejectReason });
        await db.SaveChangesAsync(ct);
        await PipelineScheduler.NotifyAsync(db, held, ct);
    }
}
