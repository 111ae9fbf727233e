using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Storage;

namespace ViralForge.Core.Pipeline;

/// <summary>
/// A reviewer chose another candidate of a stage's output ("pick"): the new run keeps the earlier
/// run's candidates byte for byte (generation is not repeatable for every engine) and makes the
/// chosen one the main artifact.
/// </summary>
public sealed class CandidateChoices(IDbContextFactory<ViralForgeDbContext> dbFactory, ArtifactStore store)
{
    /// <param name="stillValid">Given the chosen candidate's media info: false when the scene changed since and the choice no longer applies.</param>
    /// <returns>Null when the choice no longer applies.</returns>
    public async Task<StageOutcome?> KeepAsync(StageContext context, string pick, string candidatePrefix, string mainKind, CancellationToken ct, Func<JsonObject, bool>? stillValid = null)
    {
        if (!Guid.TryParse(pick, out var pickId))
        {
            throw new PermanentStageException($"Parameter 'pick' must be a candidate's id; '{pick}' is not one.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var source = await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == context.Video.Id && r.Stage == context.Run.Stage && r.SceneIndex == context.Run.SceneIndex && r.OutputArtifactIds.Contains(pickId))
            .OrderByDescending(r => r.Id)
            .FirstOrDefaultAsync(ct)
            ?? throw new PermanentStageException($"{pickId} is not a {context.Run.Stage} candidate of scene {context.Run.SceneIndex + 1} of this video.");
        var artifacts = await db.Artifacts.AsNoTracking()
            .Where(a => source.OutputArtifactIds.Contains(a.Id) && a.Kind.StartsWith(candidatePrefix))
            .OrderBy(a => a.Kind)
            .ToListAsync(ct);
        var chosen = artifacts.FirstOrDefault(a => a.Id == pickId)
            ?? throw new PermanentStageException($"Artifact {pickId} is not a {context.Run.Stage} candidate.");
        if (stillValid is not null && !stillValid(JsonNode.Parse(chosen.MediaInfoJson ?? "{}") as JsonObject ?? []))
        {
            return null;
        }

        var files = new List<ProducedFile>();
        foreach (var artifact in artifacts)
        {
            var copy = context.WorkFile(artifact.Kind + Path.GetExtension(artifact.StoreKey));
            File.Copy(await store.LocalPathAsync(artifact.StoreKey, ct), copy, overwrite: true);
            var info = JsonNode.Parse(artifact.MediaInfoJson ?? "{}") as JsonObject ?? [];
            info["chosen"] = artifact.Id == pickId;
            info["chosenBy"] = context.Text("pickedBy", "a reviewer");
            files.Add(new ProducedFile(artifact.Kind, copy, artifact.ContentType, info.ToJsonString()));
            if (artifact.Id == pickId)
            {
                files.Add(new ProducedFile(mainKind, copy, artifact.ContentType, info.ToJsonString()));
            }
        }
        return StageOutcome.Produced([.. files]);
    }
}
