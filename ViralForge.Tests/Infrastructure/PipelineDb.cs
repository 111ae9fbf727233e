using Npgsql;

namespace ViralForge.Tests.Infrastructure;

public sealed record RunRow(long Id, string Stage, int? Scene, string Status, int Attempt, DateTimeOffset? FinishedAt, Guid[] Artifacts, string? Error, bool Live);

public sealed record ArtifactRow(Guid Id, string StoreKey, string Sha256, long Bytes, string Kind, DateTimeOffset CreatedAt);

/// <summary>Reads the pipeline's tables directly, so tests check what is really recorded.</summary>
public sealed class PipelineDb(string connectionString)
{
    public async Task<List<RunRow>> RunsAsync(Guid videoId)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT id, stage, scene_index, status, attempt, finished_at, output_artifact_ids, error, superseded_at IS NULL FROM stage_runs WHERE video_id = $1 ORDER BY id", conn);
        cmd.Parameters.AddWithValue(videoId);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<RunRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new RunRow(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetString(3),
                reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<Guid[]>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(8)));
        }
        return rows;
    }

    public async Task<List<ArtifactRow>> ArtifactsAsync(Guid videoId)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT id, store_key, sha256, bytes, kind, created_at FROM artifacts WHERE video_id = $1", conn);
        cmd.Parameters.AddWithValue(videoId);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<ArtifactRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new ArtifactRow(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return rows;
    }

    public async Task<string> VideoStatusAsync(Guid videoId)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT status FROM videos WHERE id = $1", conn);
        cmd.Parameters.AddWithValue(videoId);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }
}
