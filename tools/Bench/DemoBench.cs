using Npgsql;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Bench;

/// <summary>The CPU demo (6 scenes) from brief to review-ready with the studio's default encoder settings.</summary>
internal static class DemoBench
{
    public static async Task RunAsync(string admin, string scratch)
    {
        var cs = await BenchSupport.CreateDatabaseAsync(admin, "demo");
        await using var studio = new StudioProcess(cs, Path.Combine(scratch, "bench-demo-" + Guid.NewGuid().ToString("N")[..8]),
            new() { ["Setup__CreateDemoVideo"] = "true", ["Media__X264Preset"] = "veryfast" });
        await studio.StartAsync();
        var videoId = Guid.Parse(await BenchSupport.ScalarAsync(cs, "SELECT id FROM videos LIMIT 1"));
        await BenchSupport.WaitForStatusAsync(cs, videoId, "AwaitingReview", TimeSpan.FromMinutes(10), studio);

        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using (var cmd = new NpgsqlCommand("""
            SELECT r.stage, count(*), EXTRACT(EPOCH FROM max(r.finished_at) - min(r.enqueued_at))::float8,
                   EXTRACT(EPOCH FROM sum(r.finished_at - r.started_at))::float8,
                   EXTRACT(EPOCH FROM max(r.finished_at) - v.created_at)::float8
            FROM stage_runs r JOIN videos v ON v.id = r.video_id
            WHERE r.video_id = $1 AND r.stage <> 'Review'
            GROUP BY r.stage, v.created_at ORDER BY min(r.enqueued_at)
            """, conn))
        {
            cmd.Parameters.AddWithValue(videoId);
            await using var reader = await cmd.ExecuteReaderAsync();
            Console.WriteLine("demo (6 scenes, CPU): stage, runs, span enqueue→last finish, summed run time, done after");
            while (await reader.ReadAsync())
            {
                Console.WriteLine(FormattableString.Invariant(
                    $"  {reader.GetString(0),-10} {reader.GetInt64(1),2}  span {reader.GetDouble(2),6:0.00} s  work {reader.GetDouble(3),6:0.00} s  done at {reader.GetDouble(4),6:0.00} s"));
            }
        }
        var wall = double.Parse(await BenchSupport.ScalarAsync(cs,
            "SELECT EXTRACT(EPOCH FROM r.started_at - v.created_at)::float8 FROM stage_runs r JOIN videos v ON v.id = r.video_id WHERE r.video_id = $1 AND r.stage = 'Review'", videoId),
            System.Globalization.CultureInfo.InvariantCulture);
        BenchSupport.Bench("demo_brief_to_review", wall, "s", "<=90");
    }
}
