using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Storage;

namespace ViralForge.Core.Publishing.Duplicates;

/// <summary>What the gate found: another video or reference file this one looks like, or two of its scenes that show the same picture.</summary>
public sealed record DuplicateMatch(string Kind, double Score, Guid? VideoId = null, string? Title = null, Guid? FinalArtifactId = null,
    string? ReferenceName = null, int? FirstScene = null, int? SecondScene = null)
{
    public string Describe() => Kind switch
    {
        "published" => $"{Score:P0} of its frames match “{Title}”, which is already out",
        "reference" => $"{Score:P0} of its frames match “{ReferenceName}” in the reference library (content that must not be reposted)",
        _ => $"scenes {FirstScene + 1} and {SecondScene + 1} show the same picture ({Score:P0} of their frames)",
    };
}

public sealed record DuplicateReport(IReadOnlyList<DuplicateMatch> Matches, int Frames, double Seconds)
{
    public bool Held => Matches.Count > 0;

    public string Describe() => "Held by the near-duplicate gate: " + string.Join("; ", Matches.Select(m => m.Describe()))
        + ". A reviewer may publish it anyway or reject it.";
}

/// <summary>
/// The near-duplicate gate before publishing: the final cut's sampled frames against every video
/// already let out and the admin's reference folder, and the video's scenes against each other.
/// </summary>
public sealed class DuplicateGate(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    VideoFingerprinter fingerprinter,
    ReferenceLibrary references,
    ArtifactStore store,
    IOptions<DuplicateOptions> options,
    ILogger<DuplicateGate> log)
{
    public DuplicateOptions Options => options.Value;

    public async Task<DuplicateReport> CheckAsync(Guid videoId, string finalPath, string workFolder, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var frames = await fingerprinter.FingerprintAsync(finalPath, workFolder, ct);
        var hashes = frames.Select(f => f.Hash).ToArray();
        await references.SyncFolderAsync(workFolder, ct);
        var (match, knownCount, closest) = await CompareWithKnownAsync(videoId, hashes, ct);
        var matches = match is null ? new List<DuplicateMatch>() : [match];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        matches.AddRange(await RepeatedScenesAsync(db, videoId, workFolder, ct));
        await SaveAsync(db, videoId, hashes, ct);
        var report = new DuplicateReport(matches, hashes.Length, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        log.LogInformation("Near-duplicate check of video {VideoId}: {Frames} frames against {Known} known items in {Seconds:0.00} s; closest {Closest:0.00}; {Matches} match(es).",
            videoId, hashes.Length, knownCount, report.Seconds, closest, matches.Count);
        return report;
    }

    /// <summary>The new video's hashes against every video already let out and every reference file: the best match above the threshold.</summary>
    public async Task<(DuplicateMatch? Match, int Known, double Closest)> CompareWithKnownAsync(Guid videoId, ulong[] hashes, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var known = await db.VideoFingerprints.AsNoTracking()
            .Where(f => (f.Released && f.VideoId != videoId) || f.ReferenceName != null)
            .Select(f => new { f.VideoId, f.ReferenceName, f.Hashes })
            .ToListAsync(ct);
        var best = DuplicateMatcher.Best(hashes, known.Select(k => ((k.VideoId, k.ReferenceName), Array.ConvertAll(k.Hashes, h => (ulong)h))),
            Options.FrameDistance);
        if (best is not { } found || found.Score < Options.Threshold)
        {
            return (null, known.Count, best?.Score ?? 0);
        }
        var match = found.Item.VideoId is { } other
            ? await DescribeVideoAsync(db, other, found.Score, ct)
            : new DuplicateMatch("reference", found.Score, ReferenceName: found.Item.ReferenceName);
        return (match, known.Count, found.Score);
    }

    /// <summary>From now on this video counts as out: later videos are compared with it.</summary>
    public async Task ReleaseAsync(Guid videoId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.VideoFingerprints.Where(f => f.VideoId == videoId).ExecuteUpdateAsync(s => s.SetProperty(f => f.Released, true), ct);
    }

    private static async Task<DuplicateMatch> DescribeVideoAsync(ViralForgeDbContext db, Guid other, double score, CancellationToken ct)
    {
        var title = await db.Videos.Where(v => v.Id == other).Select(v => v.Title).SingleOrDefaultAsync(ct);
        var compose = await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == other && r.Stage == StageKind.Compose && r.SupersededAt == null && r.Status == StageRunStatus.Succeeded)
            .Select(r => r.OutputArtifactIds).FirstOrDefaultAsync(ct);
        var final = compose is null ? null : await db.Artifacts.Where(a => compose.Contains(a.Id) && a.Kind == "final").Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct);
        return new DuplicateMatch("published", score, other, title, final);
    }

    /// <summary>The same stock clip or keyframe used for two scenes: their keyframes, then their clips, compared with each other.</summary>
    private async Task<List<DuplicateMatch>> RepeatedScenesAsync(ViralForgeDbContext db, Guid videoId, string workFolder, CancellationToken ct)
    {
        var runs = await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == videoId && (r.Stage == StageKind.Keyframes || r.Stage == StageKind.Clips)
                && r.SupersededAt == null && r.Status == StageRunStatus.Succeeded && r.SceneIndex != null)
            .OrderBy(r => r.SceneIndex)
            .ToListAsync(ct);
        var ids = runs.SelectMany(r => r.OutputArtifactIds).ToList();
        var artifacts = await db.Artifacts.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        var pairs = new Dictionary<(int, int), double>();
        foreach (var (stage, kind) in new[] { (StageKind.Keyframes, "keyframe"), (StageKind.Clips, "clip") })
        {
            var scenes = new List<(int Scene, IReadOnlyList<FrameHash> Frames)>();
            foreach (var run in runs.Where(r => r.Stage == stage))
            {
                var artifact = run.OutputArtifactIds.Select(id => artifacts.GetValueOrDefault(id)).FirstOrDefault(a => a?.Kind == kind);
                if (artifact is not null && await store.TryLocalPathAsync(artifact.StoreKey, ct) is { } path)
                {
                    scenes.Add((run.SceneIndex!.Value, await fingerprinter.FingerprintAsync(path, workFolder, ct)));
                }
            }
            foreach (var (first, second, score) in DuplicateMatcher.RepeatedScenes([.. scenes.Select(s => s.Frames)], Options.SceneFrameDistance, Options.SceneColourTolerance, Options.Threshold))
            {
                var key = (scenes[first].Scene, scenes[second].Scene);
                pairs[key] = Math.Max(score, pairs.GetValueOrDefault(key));
            }
        }
        return [.. pairs.Select(p => new DuplicateMatch("scene", p.Value, FirstScene: p.Key.Item1, SecondScene: p.Key.Item2))];
    }

    private static async Task SaveAsync(ViralForgeDbContext db, Guid videoId, ulong[] hashes, CancellationToken ct)
    {
        var row = await db.VideoFingerprints.SingleOrDefaultAsync(f => f.VideoId == videoId, ct);
        if (row is null)
        {
            row = db.VideoFingerprints.Add(new VideoFingerprint { VideoId = videoId }).Entity;
        }
        row.Hashes = Array.ConvertAll(hashes, h => (long)h);
        row.Released = false;
        await db.SaveChangesAsync(ct);
    }

    public static string ToJson(DuplicateReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static DuplicateReport? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<DuplicateReport>(json, JsonOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
