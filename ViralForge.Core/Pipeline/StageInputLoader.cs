using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Script;
using ViralForge.Core.Storage;

namespace ViralForge.Core.Pipeline;

/// <summary>What a run reads: its predecessors' live outputs, the creator's upload, and an earlier identical run to reuse.</summary>
public sealed class StageInputLoader(IDbContextFactory<ViralForgeDbContext> dbFactory, ArtifactStore store)
{
    public async Task<List<StageInput>> LoadInputsAsync(StageRun run, ScriptDocument script, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var live = await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == run.VideoId && r.SupersededAt == null && r.Status == StageRunStatus.Succeeded)
            .ToListAsync(ct);
        var node = StageGraph.Get(run.Stage);
        var inputs = new List<StageInput>();
        foreach (var dep in node.DependsOn)
        {
            IEnumerable<int?> scenes = StageGraph.Get(dep).PerScene
                ? node.PerScene ? [run.SceneIndex] : Enumerable.Range(0, script.Scenes.Count).Select(i => (int?)i)
                : [null];
            foreach (var scene in scenes)
            {
                var source = live.FirstOrDefault(r => r.Stage == dep && r.SceneIndex == scene)
                    ?? throw new TransientStageException($"Input from {dep}{(scene is { } s ? $" scene {s + 1}" : "")} is not ready.");
                var ids = source.OutputArtifactIds;
                var artifacts = await db.Artifacts.AsNoTracking().Where(a => ids.Contains(a.Id)).ToListAsync(ct);
                inputs.Add(new StageInput(dep, scene, artifacts.OrderBy(a => ids.IndexOf(a.Id)).ToList(), store.Root));
            }
        }
        return inputs;
    }

    /// <summary>The artifact named by the "upload" parameter; it must belong to the same video.</summary>
    public async Task<Artifact?> LoadUploadAsync(StageRun run, CancellationToken ct)
    {
        if ((JsonNode.Parse(run.ParametersJson) as JsonObject)?["upload"] is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            return null;
        }
        if (!Guid.TryParse(text, out var id))
        {
            throw new PermanentStageException($"Parameter 'upload' must be an artifact id; '{text}' is not.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var artifact = await db.Artifacts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id && a.VideoId == run.VideoId && a.Kind == "upload", ct)
            ?? throw new PermanentStageException($"Upload {id} does not exist for this video. Upload the file again.");
        if (!await store.ExistsAsync(artifact.StoreKey, ct))
        {
            throw new PermanentStageException($"Upload {id} is missing from the artifact store. Upload the file again.");
        }
        return artifact;
    }

    public static string InputHash(StageRun run, IStageHandler handler, ScriptDocument script, IReadOnlyList<StageInput> inputs, string? external = null)
    {
        var parameters = JsonNode.Parse(run.ParametersJson) as JsonObject ?? [];
        var canonical = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            canonical[key] = value?.ToJsonString() ?? "null";
        }
        var material = JsonSerializer.Serialize(new
        {
            stage = run.Stage.ToString(),
            version = handler.Version,
            parameters = canonical,
            script = run.SceneIndex is { } i ? (object)script.Scenes[i] : script,
            inputs = inputs.Select(x => new { stage = x.Stage.ToString(), x.SceneIndex, sha = x.Artifacts.Select(a => $"{a.Kind}:{a.Sha256}") }),
            external,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }

    public async Task<StageRun?> FindReusableAsync(StageRun run, string inputHash, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == run.VideoId && r.Stage == run.Stage && r.SceneIndex == run.SceneIndex
                && r.InputHash == inputHash && r.Status == StageRunStatus.Succeeded && r.Id != run.Id)
            .OrderByDescending(r => r.FinishedAt)
            .Take(3)
            .ToListAsync(ct);
        foreach (var candidate in candidates)
        {
            var ids = candidate.OutputArtifactIds;
            var artifacts = await db.Artifacts.AsNoTracking().Where(a => ids.Contains(a.Id)).ToListAsync(ct);
            if (artifacts.Count == ids.Count && await store.AllPresentAsync(artifacts.Select(a => a.StoreKey), ct))
            {
                return candidate;
            }
        }
        return null;
    }
}
