using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Security;

namespace ViralForge.Core.Pipeline;

/// <summary>An admin's archive, unarchive and delete: unfinished work ends and scheduled publications are cancelled first.</summary>
public sealed partial class PipelineCommands
{
    /// <summary>
    /// Archives (or brings back) a video: hidden from the board, unfinished runs end, scheduled
    /// publications are cancelled; the collector then frees everything but the cut and poster.
    /// </summary>
    public async Task ArchiveAsync(Guid videoId, bool archive, StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var video = await PipelineScheduler.LockVideoAsync(db, videoId, ct);
        if (video.DeletedAt is not null)
        {
            throw new KeyNotFoundException($"Video {videoId} does not exist.");
        }
        if (archive && video.ArchivedAt is null)
        {
            await EndWorkAsync(db, video, "The video was archived.", ct);
            video.ArchivedAt = time.GetUtcNow();
        }
        else if (!archive)
        {
            video.ArchivedAt = null;
        }
        Audit(db, actor, archive ? "video.archive" : "video.unarchive", videoId.ToString());
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        if (!archive && await FreedOutputsAsync(db, videoId, ct))
        {
            // The collector took the intermediates: make them again from the script, as a retry would.
            await RerunAsync(videoId, StageKind.Keyframes, null, null, actor, ct);
            await RerunAsync(videoId, StageKind.Narration, null, null, actor, ct);
        }
    }

    private static async Task<bool> FreedOutputsAsync(ViralForgeDbContext db, Guid videoId, CancellationToken ct)
    {
        var outputs = (await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == videoId && r.SupersededAt == null && r.Stage != StageKind.Script)
            .Select(r => r.OutputArtifactIds).ToListAsync(ct)).SelectMany(ids => ids).Distinct().ToList();
        return outputs.Count > 0 && await db.Artifacts.CountAsync(a => outputs.Contains(a.Id), ct) < outputs.Count;
    }

    /// <summary>Deletes a video from the studio (not from the platforms it went out to); the collector frees its files.</summary>
    public async Task DeleteAsync(Guid videoId, StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var video = await PipelineScheduler.LockVideoAsync(db, videoId, ct);
        if (video.DeletedAt is not null)
        {
            return;
        }
        await EndWorkAsync(db, video, "The video was deleted.", ct);
        video.DeletedAt = time.GetUtcNow();
        Audit(db, actor, "video.delete", videoId.ToString(), new { title = video.Title });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task EndWorkAsync(ViralForgeDbContext db, Video video, string reason, CancellationToken ct)
    {
        var sending = await db.Publications.AnyAsync(p => p.VideoId == video.Id
            && (p.Status == Publishing.PublicationStatus.Uploading || p.Status == Publishing.PublicationStatus.Processing), ct);
        if (sending)
        {
            throw new PipelineCommandException("A publication of this video is uploading or processing on its platform: wait until it is live or failed.");
        }
        var now = time.GetUtcNow();
        await db.Publications.Where(p => p.VideoId == video.Id && p.Status == Publishing.PublicationStatus.Scheduled)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, Publishing.PublicationStatus.Cancelled).SetProperty(p => p.Error, reason), ct);
        foreach (var run in await PipelineScheduler.LiveRunsAsync(db, video.Id, ct))
        {
            EndIfUnfinished(run, now, reason);
        }
        video.UpdatedAt = now;
    }
}
