using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;
using ViralForge.Core.Storage;

namespace ViralForge.Core.Uploads;

public sealed record SceneUploadResult(Guid ArtifactId, MediaKind Kind, StageKind Stage, IReadOnlyList<long> RunIds, InputMedia Media);

/// <summary>
/// A creator's own image or video for one scene: inspected at once (and refused with a reason if it
/// cannot be used), stored as an artifact, then normalised by the stage it replaces: an image
/// becomes the scene's keyframe, a video the scene's clip. Nothing else of the video is touched.
/// </summary>
public sealed class SceneUploadService(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    ArtifactStore store,
    MediaInspector inspector,
    PipelineCommands commands,
    DiskGuard disk,
    UploadQuota quota)
{
    public const long MaxBytes = 1L << 30;

    public async Task<SceneUploadResult> UploadAsync(Guid videoId, int scene, Stream content, string fileName, FitMode? fit, double startSeconds, Security.StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Security.Roles.Creator);
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var video = await db.Videos.AsNoTracking().SingleOrDefaultAsync(v => v.Id == videoId, ct)
                ?? throw new KeyNotFoundException($"Video {videoId} does not exist.");
            var scenes = ScriptDocument.Parse(video.ScriptJson).Script?.Scenes.Count ?? 0;
            if (scene < 0 || scene >= scenes)
            {
                throw new PipelineCommandException($"Scene {scene + 1} does not exist; the video has {scenes} scenes.");
            }
        }

        await disk.EnsureRoomAsync(ct);
        var allowance = await quota.StateAsync(actor, ct);
        if (allowance.LeftBytes == 0)
        {
            throw new UploadQuotaException(allowance.Describe());
        }
        var folder = store.CreateWorkFolder(0, 0);
        try
        {
            var extension = SafeExtension(fileName);
            var path = Path.Combine(folder, "upload" + extension);
            // The smaller of the size cap and the creator's quota left; refused as whichever it is.
            await CappedFileCopy.SaveAsync(content, path, Math.Min(MaxBytes, allowance.LeftBytes), () => MaxBytes <= allowance.LeftBytes
                ? new MediaRejectedException($"The file is larger than {MaxBytes >> 20} MB. Upload a shorter or smaller export.")
                : new UploadQuotaException($"This file does not fit: {DiskState.Megabytes(allowance.LeftBytes)} of your quota is left. {allowance.Describe()}"), ct);
            var media = await inspector.InspectAsync(path, ct);
            var stage = media.Kind == MediaKind.Image ? StageKind.Keyframes : StageKind.Clips;
            var artifact = await store.CommitAsync(videoId, "upload", path,
                media.Kind == MediaKind.Image ? "image/" + extension.TrimStart('.') : "video/" + extension.TrimStart('.'), ct);
            artifact.MediaInfoJson = JsonSerializer.Serialize(media);
            artifact.UploadedBy = actor;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                if (!await ArtifactCollector.FilesStayAsync(db, store, [artifact.StoreKey], ct))
                {
                    throw new PipelineCommandException("The file was removed by a storage collection while it was saved. Upload it again.");
                }
                // One uploader's uploads are recorded one at a time, so two at once cannot both slip under the quota.
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtext('upload-quota:' || {0}))", [actor], ct);
                var now = await quota.StateAsync(actor, ct);
                if (now.Limited && now.UsedBytes + artifact.Bytes > now.QuotaBytes)
                {
                    throw new UploadQuotaException($"This file does not fit: {DiskState.Megabytes(now.LeftBytes)} of your quota is left. {now.Describe()}");
                }
                db.Artifacts.Add(artifact);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            var overrides = new JsonObject
            {
                ["upload"] = artifact.Id.ToString(),
                ["fit"] = (fit ?? MediaNormalizer.DefaultFit(media)).ToString().ToLowerInvariant(),
            };
            if (stage == StageKind.Clips)
            {
                overrides["start"] = startSeconds;
            }
            var runs = await commands.RetryAsync(videoId, stage, scene, overrides, by, ct);
            return new SceneUploadResult(artifact.Id, media.Kind, stage, runs.Select(r => r.Id).ToList(), media);
        }
        finally
        {
            store.DeleteWorkFolder(folder);
        }
    }

    /// <summary>Keeps a short, harmless extension (ffprobe does not need it, people and browsers like it).</summary>
    private static string SafeExtension(string fileName)
    {
        var ext = Path.GetExtension(fileName).ToLowerInvariant();
        return ext.Length is > 1 and <= 6 && ext.Skip(1).All(char.IsAsciiLetterOrDigit) ? ext : ".bin";
    }
}
