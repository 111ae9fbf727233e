using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;

namespace ViralForge.Web.Videos;

public sealed record ArtifactView(Guid Id, string Kind, string ContentType, string Sha256, long Bytes, string Url, JsonElement? MediaInfo);

public sealed record StageRunView(
    long Id, StageKind Stage, int? Scene, StageRunStatus Status, int Attempt, string? Error, string? LogTail,
    JsonElement Parameters, DateTimeOffset QueuedAt, DateTimeOffset? EnqueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    DateTimeOffset? NextAttemptAt, long? ReusedFromRunId, IReadOnlyList<ArtifactView> Artifacts);

public sealed record StageSummary(StageKind Stage, int Succeeded, int Total, int Running, int Failed, int Waiting);

public sealed record VideoSummary(Guid Id, string Title, VideoStatus Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<StageSummary> Stages);

public sealed record PublicationView(
    long Id, int ChannelId, string Channel, string Platform, string Status, DateTimeOffset ScheduledFor, int Attempt,
    DateTimeOffset? NextAttemptAt, double Progress, string? PlatformId, string? Url, string? Error, DateTimeOffset? PublishedAt,
    long? Views = null, long? Likes = null, long? Comments = null, long? Shares = null, DateTimeOffset? StatsAt = null, string? StatsNote = null,
    double? WatchMinutes = null);

public sealed record ReviewView(ReviewOutcome Outcome, string Reviewer, string? Reason, DateTimeOffset DecidedAt);

public sealed record VideoDetail(
    Guid Id, string Title, string Brief, VideoStatus Status, ScriptDocument Script, string? CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? PublishedAt, JsonElement? Published, IReadOnlyList<StageRunView> Runs, IReadOnlyList<ReviewView> Reviews,
    IReadOnlyList<PublicationView> Publications, DateTimeOffset? ArchivedAt = null)
{
    public StageRunView? Live(StageKind stage, int? scene = null) => Runs.FirstOrDefault(r => r.Stage == stage && r.Scene == scene);

    /// <summary>Where the script came from (the creator, or which model and prompt version), from the Script run's output.</summary>
    public ScriptProvenance? ScriptOrigin =>
        Artifact(StageKind.Script, ScriptStage.ArtifactKind)?.MediaInfo is { ValueKind: JsonValueKind.Object } info
            ? info.Deserialize<ScriptProvenance>(ScriptDocument.Json)
            : null;

    /// <summary>The model's script waits for the creator to check it.</summary>
    public bool HasDraft => Live(StageKind.Script)?.Status == StageRunStatus.Waiting;

    public ArtifactView? Artifact(StageKind stage, string kind, int? scene = null) =>
        Live(stage, scene) is { Status: StageRunStatus.Succeeded or StageRunStatus.Waiting } run ? run.Artifacts.FirstOrDefault(a => a.Kind == kind) : null;
}

/// <summary>Read models for the studio and the API. Only live (not superseded) runs are shown.</summary>
public sealed class VideoQueries(IDbContextFactory<ViralForgeDbContext> dbFactory)
{
    public async Task<IReadOnlyList<VideoSummary>> ListAsync(int take, CancellationToken ct, bool archived = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var videos = await db.Videos.AsNoTracking()
            .Where(v => v.DeletedAt == null && (v.ArchivedAt != null) == archived)
            .OrderByDescending(v => v.CreatedAt).Take(take).ToListAsync(ct);
        var ids = videos.Select(v => v.Id).ToList();
        var runs = await db.StageRuns.AsNoTracking()
            .Where(r => ids.Contains(r.VideoId) && r.SupersededAt == null)
            .Select(r => new { r.VideoId, r.Stage, r.Status })
            .ToListAsync(ct);
        var byVideo = runs.ToLookup(r => r.VideoId);
        return videos.Select(v =>
        {
            var sceneCount = ScriptDocument.Parse(v.ScriptJson).Script?.Scenes.Count ?? 0;
            var stages = StageGraph.Nodes.Select(n =>
            {
                var mine = byVideo[v.Id].Where(r => r.Stage == n.Stage).ToList();
                return new StageSummary(n.Stage,
                    mine.Count(r => r.Status == StageRunStatus.Succeeded),
                    n.PerScene ? sceneCount : 1,
                    mine.Count(r => r.Status == StageRunStatus.Running),
                    mine.Count(r => r.Status is StageRunStatus.DeadLettered or StageRunStatus.RetryWaiting or StageRunStatus.Rejected),
                    mine.Count(r => r.Status == StageRunStatus.Waiting));
            }).ToList();
            return new VideoSummary(v.Id, v.Title, v.Status, v.CreatedAt, v.UpdatedAt, stages);
        }).ToList();
    }

    public async Task<VideoDetail?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var video = await db.Videos.AsNoTracking().SingleOrDefaultAsync(v => v.Id == id && v.DeletedAt == null, ct);
        if (video is null)
        {
            return null;
        }
        var runs = await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == id && r.SupersededAt == null)
            .OrderBy(r => r.Stage).ThenBy(r => r.SceneIndex)
            .ToListAsync(ct);
        var artifactIds = runs.SelectMany(r => r.OutputArtifactIds).ToList();
        var artifacts = await db.Artifacts.AsNoTracking().Where(a => artifactIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        var reviews = await db.ReviewDecisions.AsNoTracking().Where(d => d.VideoId == id).OrderByDescending(d => d.DecidedAt)
            .Select(d => new ReviewView(d.Outcome, d.Reviewer, d.Reason, d.DecidedAt)).ToListAsync(ct);
        var script = ScriptDocument.Parse(video.ScriptJson).Script ?? new ScriptDocument { Title = video.Title };
        return new VideoDetail(video.Id, video.Title, video.Brief, video.Status, script, video.CreatedBy, video.CreatedAt,
            video.PublishedAt, Parse(video.PublishedLocation),
            runs.Select(r => new StageRunView(r.Id, r.Stage, r.SceneIndex, r.Status, r.Attempt, r.Error, r.LogTail,
                Parse(r.ParametersJson) ?? default, r.QueuedAt, r.EnqueuedAt, r.StartedAt, r.FinishedAt, r.NextAttemptAt, r.ReusedFromRunId,
                r.OutputArtifactIds.Where(artifacts.ContainsKey).Select(a => ToView(artifacts[a])).ToList())).ToList(),
            reviews, await PublicationsAsync(db, id, ct), video.ArchivedAt);
    }

    public async Task<IReadOnlyList<PublicationView>> PublicationsAsync(Guid videoId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await PublicationsAsync(db, videoId, ct);
    }

    private static Task<List<PublicationView>> PublicationsAsync(ViralForgeDbContext db, Guid videoId, CancellationToken ct) =>
        db.Publications.AsNoTracking().Where(p => p.VideoId == videoId).OrderBy(p => p.ChannelId)
            .Select(p => new PublicationView(p.Id, p.ChannelId, p.Channel!.Name, p.Channel.Platform.ToString(), p.Status.ToString(), p.ScheduledFor,
                p.Attempt, p.NextAttemptAt, p.Progress, p.PlatformId, p.Url, p.Error, p.PublishedAt,
                p.Views, p.Likes, p.Comments, p.Shares, p.StatsAt, p.StatsNote, p.WatchMinutes))
            .ToListAsync(ct);

    public static ArtifactView ToView(Artifact a) =>
        new(a.Id, a.Kind, a.ContentType, a.Sha256, a.Bytes, $"/media/{a.Id}", Parse(a.MediaInfoJson));

    private static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
