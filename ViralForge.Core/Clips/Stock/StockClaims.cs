using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Clips.Stock;

/// <summary>
/// Which stock a video's scenes have taken (footage and photos apart: photo keys carry ":photo:"),
/// claimed in one statement so scenes running in parallel never take the same file, and what recent
/// videos showed.
/// </summary>
public sealed class StockClaims(IDbContextFactory<ViralForgeDbContext> dbFactory)
{
    /// <summary>Keys the video's other scenes hold; this scene's own earlier claims of the same kind are let go (it is choosing again).</summary>
    public async Task<HashSet<string>> UsedElsewhereAsync(StageContext context, bool photos, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var scene = context.Run.SceneIndex!.Value;
        await db.StockUses.Where(u => u.VideoId == context.Video.Id && u.SceneIndex == scene && u.StockKey.Contains(":photo:") == photos).ExecuteDeleteAsync(ct);
        return (await db.StockUses.AsNoTracking().Where(u => u.VideoId == context.Video.Id).Select(u => u.StockKey).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Takes the file for this scene; false when another scene took it first.</summary>
    public async Task<bool> ClaimAsync(StageContext context, string key, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var taken = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO stock_uses (video_id, stock_key, scene_index, created_at) VALUES ({context.Video.Id}, {key}, {context.Run.SceneIndex!.Value}, now())
            ON CONFLICT (video_id, stock_key) DO NOTHING
            """, ct);
        return taken == 1;
    }

    public async Task ReleaseAsync(StageContext context, string key, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.StockUses.Where(u => u.VideoId == context.Video.Id && u.StockKey == key && u.SceneIndex == context.Run.SceneIndex).ExecuteDeleteAsync(ct);
    }

    /// <summary>The stock the last <paramref name="videos"/> other videos show (their live clips or keyframes), so a new video looks new.</summary>
    public async Task<HashSet<string>> UsedRecentlyAsync(Guid videoId, int videos, StageKind stage, string kind, CancellationToken ct)
    {
        if (videos == 0)
        {
            return [];
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var keys = await db.Database.SqlQuery<string>($"""
            SELECT DISTINCT a.media_info_json->>'stock' AS "Value"
            FROM (SELECT id FROM videos WHERE id <> {videoId} AND deleted_at IS NULL ORDER BY created_at DESC LIMIT {videos}) v
            JOIN stage_runs r ON r.video_id = v.id AND r.stage = {stage.ToString()} AND r.superseded_at IS NULL
            JOIN artifacts a ON a.id = ANY(r.output_artifact_ids) AND a.kind = {kind}
            WHERE a.media_info_json->>'stock' IS NOT NULL
            """).ToListAsync(ct);
        return keys.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Every configured provider's results; one provider failing does not stop the scene while another
    /// answers, but when none gave anything the first failure is the scene's error.
    /// </summary>
    public static async Task<List<T>> SearchAllAsync<T>(IEnumerable<Func<CancellationToken, Task<IReadOnlyList<T>>>> searches, CancellationToken ct)
    {
        var found = new List<T>();
        Exception? failure = null;
        foreach (var search in searches)
        {
            try
            {
                found.AddRange(await search(ct));
            }
            catch (Exception ex) when (ex is TransientStageException or PermanentStageException)
            {
                failure ??= ex;
            }
        }
        if (found.Count == 0 && failure is not null)
        {
            throw failure;
        }
        return found;
    }
}
