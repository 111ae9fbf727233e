using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Publishing;

/// <summary>
/// The gate between approval and the platforms. It checks that the approved cut is there and that the
/// video has somewhere to go, and records what was released; the publications themselves then go out
/// at their slots (see <see cref="PublicationRunner"/>). The near-duplicate check will sit here.
/// </summary>
public sealed class PublishStage(IDbContextFactory<ViralForgeDbContext> dbFactory) : IStageHandler
{
    public StageKind Stage => StageKind.Publish;
    public int Version => 2;

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        var final = context.Input(StageKind.Compose).ArtifactOf("final");
        if (!File.Exists(context.Input(StageKind.Compose).PathOf("final")))
        {
            throw new PermanentStageException("The approved cut is missing from the artifact store; compose the video again.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var publications = await db.Publications.AsNoTracking()
            .Where(p => p.VideoId == context.Video.Id)
            .Select(p => new { channel = p.Channel!.Name, platform = p.Channel.Platform.ToString(), scheduledFor = p.ScheduledFor, status = p.Status.ToString() })
            .ToListAsync(ct);
        if (publications.Count == 0)
        {
            throw new PermanentStageException("The video was approved without a channel; approve it again and pick one.");
        }
        var receipt = context.WorkFile("release.json");
        await File.WriteAllTextAsync(receipt, JsonSerializer.Serialize(new { final = final.Sha256, publications }), ct);
        return StageOutcome.Produced(new ProducedFile("publish-release", receipt, "application/json"));
    }
}
