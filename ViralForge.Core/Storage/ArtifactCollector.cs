using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Security;

namespace ViralForge.Core.Storage;

public sealed record CollectionPlan(int Files, long Bytes, double RetentionDays);

public sealed record CollectionResult(int Files, long Bytes, int OrphanFiles);

/// <summary>
/// Frees what nothing needs: files of superseded runs (retried, regenerated, unchosen candidates)
/// after the admin's retention, never anything a live run or a live run's upload uses, nor the cut
/// and poster a live publication sent out (the latest made before it started). Rows go first, under an
/// exclusive advisory lock that a run recording files takes shared while it checks and records them;
/// files go after the commit, and only those no row names any more (identical content is stored once),
/// so a kill between the two leaves only an orphan file, which the next collection removes.
/// </summary>
public sealed class ArtifactCollector(
    NpgsqlDataSource dataSource,
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    ArtifactStore store,
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<StorageOptions> options,
    ILogger<ArtifactCollector> log)
{
    public const string RetentionKey = "storage.retention-days";

    /// <summary>The advisory lock between the collector (exclusive) and reuse of earlier runs' files (shared).</summary>
    public const long LockKey = 0x5646_4172_7446_4331; // "VFArtFC1"

    private const string Collectable = """
        FROM artifacts a
        WHERE EXISTS (SELECT 1 FROM videos v WHERE v.id = a.video_id AND v.deleted_at IS NOT NULL)
        OR (EXISTS (SELECT 1 FROM videos v WHERE v.id = a.video_id AND v.archived_at IS NOT NULL) AND a.kind NOT IN ('final', 'poster')
            AND NOT EXISTS (SELECT 1 FROM stage_runs r WHERE r.video_id = a.video_id AND r.stage = 'Script' AND r.superseded_at IS NULL
                            AND a.id = ANY(r.output_artifact_ids)))
        OR (a.created_at < @cutoff
          AND NOT EXISTS (SELECT 1 FROM stage_runs r WHERE r.video_id = a.video_id AND a.id = ANY(r.output_artifact_ids)
                          AND (r.superseded_at IS NULL OR r.superseded_at > @cutoff))
          AND NOT EXISTS (SELECT 1 FROM stage_runs r WHERE r.video_id = a.video_id AND r.superseded_at IS NULL
                          AND r.parameters_json->>'upload' = a.id::text)
          AND NOT (a.kind IN ('final', 'poster') AND EXISTS (
                SELECT 1 FROM publications p WHERE p.video_id = a.video_id AND p.status = 'Live'
                AND a.id = (SELECT a2.id FROM artifacts a2 WHERE a2.video_id = a.video_id AND a2.kind = a.kind
                            AND a2.created_at <= coalesce(p.started_at, p.published_at) ORDER BY a2.created_at DESC LIMIT 1))))
        """;

    /// <summary>
    /// Call in the transaction that records rows naming <paramref name="keys"/>: takes the collector's lock
    /// shared until it commits, then checks the files are there. Stored content is shared, so a collection
    /// that ended a moment ago may have removed a file this run found already stored.
    /// </summary>
    public static async Task<bool> FilesStayAsync(ViralForgeDbContext db, ArtifactStore store, IEnumerable<string> keys, CancellationToken ct)
    {
        await HoldSharedAsync(db, ct);
        return await store.AllPresentAsync(keys, ct);
    }

    /// <summary>Takes the collector's lock shared until the caller's transaction ends: no collection runs meanwhile.</summary>
    public static Task HoldSharedAsync(ViralForgeDbContext db, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock_shared({0})", [LockKey], ct);

    public async Task<double> RetentionDaysAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var value = await StudioSettings.GetAsync(db, RetentionKey, ct);
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var days) && days >= 0 ? days : options.Value.RetentionDays;
    }

    public async Task SetRetentionDaysAsync(double days, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        if (days is < 0 or > 3650 || double.IsNaN(days))
        {
            throw new PipelineCommandException("Keep superseded files for 0 to 3650 days.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await StudioSettings.SetAsync(db, RetentionKey, days.ToString(CultureInfo.InvariantCulture), actor, "storage.retention", ct);
    }

    /// <summary>What the next collection would free.</summary>
    public async Task<CollectionPlan> PlanAsync(CancellationToken ct)
    {
        var days = await RetentionDaysAsync(ct);
        await using var cmd = dataSource.CreateCommand($"SELECT count(*), coalesce(sum(a.bytes), 0) {Collectable}");
        cmd.Parameters.AddWithValue("cutoff", time.GetUtcNow().AddDays(-days));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new CollectionPlan((int)reader.GetInt64(0), reader.GetInt64(1), days);
    }

    /// <summary>The hourly collection (a Hangfire job's arguments are plain values, so the actor is made here).</summary>
    public Task<CollectionResult> CollectScheduledAsync(CancellationToken ct) => CollectAsync(StudioActor.System("collector", Roles.Admin), ct);

    public async Task<CollectionResult> CollectAsync(StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        var days = await RetentionDaysAsync(ct);
        var cutoff = time.GetUtcNow().AddDays(-days);
        var (files, bytes, orphans) = (0, 0L, 0);
        // Held for the session, across each batch's commit and its file deletions: a run that records a
        // row naming a stored file takes it shared and checks the file is there, so no file is deleted
        // between that check and its row (identical content shares one file).
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            take.Parameters.AddWithValue("key", LockKey);
            await take.ExecuteNonQueryAsync(ct);
        }
        try
        {
            while (true)
            {
                var batch = await TakeBatchAsync(connection, cutoff, actor, ct);
                if (batch.Rows == 0)
                {
                    break;
                }
                foreach (var key in batch.Unreferenced)
                {
                    await DeleteFileAsync(key, ct);
                }
                (files, bytes) = (files + batch.Rows, bytes + batch.Bytes);
            }
            orphans = await DeleteOrphansAsync(connection, ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            release.Parameters.AddWithValue("key", LockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
        if (files + orphans > 0)
        {
            log.LogInformation("Collected {Files} artifacts ({Bytes} bytes) and {Orphans} orphan files.", files, bytes, orphans);
        }
        return new CollectionResult(files, bytes, orphans);
    }

    private sealed record Batch(int Rows, long Bytes, IReadOnlyList<string> Unreferenced);

    private static async Task<Batch> TakeBatchAsync(NpgsqlConnection connection, DateTimeOffset cutoff, string actor, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        var rows = new List<(string Key, long Bytes)>();
        await using (var delete = new NpgsqlCommand(
            $"DELETE FROM artifacts WHERE id IN (SELECT a.id {Collectable} ORDER BY a.created_at LIMIT 500) RETURNING store_key, bytes", connection, tx))
        {
            delete.Parameters.AddWithValue("cutoff", cutoff);
            await using var reader = await delete.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }
        if (rows.Count == 0)
        {
            return new Batch(0, 0, []);
        }
        // A file goes only when no other row (another run, another video with the same bytes) names it.
        var keys = rows.Select(r => r.Key).Distinct(StringComparer.Ordinal).ToArray();
        var stillNamed = new HashSet<string>(StringComparer.Ordinal);
        await using (var named = new NpgsqlCommand("SELECT DISTINCT store_key FROM artifacts WHERE store_key = ANY(@keys)", connection, tx))
        {
            named.Parameters.AddWithValue("keys", keys);
            await using var reader = await named.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                stillNamed.Add(reader.GetString(0));
            }
        }
        await using (var audit = new NpgsqlCommand(
            "INSERT INTO audit_log (actor, action, subject, details_json, at) VALUES (@actor, 'storage.collect', 'artifacts', @details::jsonb, now())", connection, tx))
        {
            audit.Parameters.AddWithValue("actor", actor);
            audit.Parameters.AddWithValue("details", $"{{\"files\": {rows.Count}, \"bytes\": {rows.Sum(b => b.Bytes)}}}");
            await audit.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return new Batch(rows.Count, rows.Sum(r => r.Bytes), keys.Where(k => !stillNamed.Contains(k)).ToList());
    }

    /// <summary>Files in the store no row knows (a run that lost its lease after writing, a kill mid-collection), older than an hour.</summary>
    private async Task<int> DeleteOrphansAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var before = time.GetUtcNow().UtcDateTime - StartupSweep.MinAge;
        var old = new List<string>();
        try
        {
            await foreach (var stored in store.Backend.ListAsync(ct))
            {
                if (stored.LastModifiedUtc < before)
                {
                    old.Add(stored.Key);
                }
            }
        }
        catch (ArtifactStoreUnavailableException ex)
        {
            log.LogWarning("Orphan files were not looked for: {Message}", ex.Message);
            return 0;
        }
        if (old.Count == 0)
        {
            return 0;
        }
        var keys = old.ToArray();
        await using var cmd = new NpgsqlCommand("SELECT store_key FROM artifacts WHERE store_key = ANY(@keys)", connection);
        cmd.Parameters.AddWithValue("keys", keys);
        var known = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                known.Add(reader.GetString(0));
            }
        }
        var deleted = 0;
        foreach (var key in keys.Where(k => !known.Contains(k)))
        {
            await DeleteFileAsync(key, ct);
            deleted++;
        }
        return deleted;
    }

    private async Task DeleteFileAsync(string key, CancellationToken ct)
    {
        try
        {
            await store.DeleteAsync(key, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArtifactStoreUnavailableException)
        {
            log.LogWarning("Could not delete {Key}: {Message}; the next collection tries again as an orphan.", key, ex.Message);
        }
    }
}
