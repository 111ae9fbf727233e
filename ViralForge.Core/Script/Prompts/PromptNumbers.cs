using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Publishing;

namespace ViralForge.Core.Script.Prompts;

/// <summary>What the scripts of one prompt version became: videos, live publications and their numbers.</summary>
public sealed record PromptVersionNumbers(int VersionId, int Videos, int Live, long Views, long Likes, long Comments)
{
    /// <summary>Views per live publication: the figure that compares versions used on different numbers of videos.</summary>
    public long ViewsPerLive => Live == 0 ? 0 : Views / Live;
}

/// <summary>
/// Which prompt versions go viral: a video's live Script run records the version its script came from
/// (in the script's provenance), and its live publications carry the platforms' latest numbers.
/// </summary>
public sealed class PromptNumbers(IDbContextFactory<ViralForgeDbContext> dbFactory)
{
    public async Task<IReadOnlyDictionary<int, PromptVersionNumbers>> ByVersionAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Database.SqlQuery<Row>($"""
            SELECT s.version_id AS version_id,
                   count(DISTINCT s.video_id)::int AS videos,
                   count(p.id)::int AS live,
                   coalesce(sum(p.views), 0)::bigint AS views,
                   coalesce(sum(p.likes), 0)::bigint AS likes,
                   coalesce(sum(p.comments), 0)::bigint AS comments
            FROM (SELECT DISTINCT r.video_id, (a.media_info_json->>'promptVersionId')::int AS version_id
                  FROM stage_runs r
                  JOIN videos v ON v.id = r.video_id AND v.deleted_at IS NULL
                  JOIN artifacts a ON a.id = ANY(r.output_artifact_ids) AND a.kind = {ScriptStage.ArtifactKind}
                  WHERE r.stage = {StageKind.Script.ToString()} AND r.superseded_at IS NULL
                    AND jsonb_typeof(a.media_info_json->'promptVersionId') = 'number') s
            LEFT JOIN publications p ON p.video_id = s.video_id AND p.status = {PublicationStatus.Live.ToString()}
            GROUP BY s.version_id
            """).ToListAsync(ct);
        return rows.ToDictionary(r => r.VersionId, r => new PromptVersionNumbers(r.VersionId, r.Videos, r.Live, r.Views, r.Likes, r.Comments));
    }

    // Column names follow the context's snake_case convention, which applies to raw query results too.
    private sealed record Row(int VersionId, int Videos, int Live, long Views, long Likes, long Comments);
}
