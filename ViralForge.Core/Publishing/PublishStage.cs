using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Publishing;

/// <summary>
/// The gate between approval and the platforms. It checks that the approved cut is there and that the
/// video has somewhere to go, and records what was released; the publications themselves then go out
/// at their slots (see <see cref="PublicationRunner"/>). Before that, the near-duplicate gate: a video
/// that looks like one already out, like a reference file, or that shows the same picture in two
/// scenes waits for a reviewer with the report instead of going out.
/// </summary>
public sealed class PublishStage(IDbContextFactory<ViralForgeDbContext> dbFactory, Duplicates.DuplicateGate gate) : IStageHandler
{
    public StageKind Stage => StageKind.Publish;
    public int Version => 3;

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
        if (!gate.Options.Enabled)
        {
            return StageOutcome.Produced(new ProducedFile("publish-release", receipt, "application/json"));
        }
        context.Detail(0.1, "Comparing with everything published");
        var report = await gate.CheckAsync(context.Video.Id, context.Input(StageKind.Compose).PathOf("final"), context.WorkFolder, ct);
        var reportFile = context.WorkFile("duplicates.json");
        await File.WriteAllTextAsync(reportFile, Duplicates.DuplicateGate.ToJson(report), ct);
        ProducedFile[] files = [new("publish-release", receipt, "application/json"), new("duplicate-report", reportFile, "application/json")];
        if (report.Held)
        {
            return new StageOutcome(files, AwaitsPerson: true) { Note = report.Describe() };
        }
        await gate.ReleaseAsync(context.Video.Id, ct);
        return new StageOutcome(files);
    }
}
