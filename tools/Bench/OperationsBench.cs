using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Npgsql;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Bench;

/// <summary>Safe to leave running: the board with a thousand videos, and memory over hundreds of videos.</summary>
internal static class OperationsBench
{
    private const string Password = "Bench-Password-123";

    /// <summary>
    /// The board page rendered by the server (the prerender a browser gets first: the query and every
    /// row) for an admin, with one video and then with 1000 (clones of a finished one, every stage's runs included).
    /// </summary>
    public static async Task BoardAsync(string admin, string scratch)
    {
        var cs = await BenchSupport.CreateDatabaseAsync(admin, "board");
        await using var studio = new StudioProcess(cs, Path.Combine(scratch, "bench-board-" + Guid.NewGuid().ToString("N")[..8]),
            new() { ["Media__X264Preset"] = "ultrafast" });
        await studio.StartAsync();
        var key = studio.Client(await studio.IssueApiKeyAsync("admin"));
        (await key.PostAsJsonAsync("api/users", new { email = "bench@viralforge.test", password = Password, roles = new[] { "admin" } })).EnsureSuccessStatusCode();
        var source = await BenchSupport.CreateVideoAsync(key, BenchSupport.Script(6, 2, "Board source"));
        await BenchSupport.WaitForStatusAsync(cs, source, "AwaitingReview", TimeSpan.FromMinutes(5), studio);
        using var browser = await CookieSession.SignInAsync(studio.BaseAddress, "bench@viralforge.test", Password);

        var one = await MeasureAsync(browser, "Board source");
        var runs = await CloneAsync(cs, source, 999);
        var thousand = await MeasureAsync(browser, "Board source 999");
        Console.WriteLine(FormattableString.Invariant(
            $"board: 1 video p50 {one.P50:0} ms p95 {one.P95:0} ms; 1000 videos ({runs} stage runs) p50 {thousand.P50:0} ms p95 {thousand.P95:0} ms"));
        BenchSupport.Bench("board_render_p95_1000_videos", thousand.P95, "ms", "<=300");
    }

    private static async Task<(double P50, double P95)> MeasureAsync(HttpClient browser, string mustShow)
    {
        var times = new List<double>();
        for (var i = 0; i < 45; i++)
        {
            var clock = Stopwatch.StartNew();
            var html = await browser.GetStringAsync("/");
            clock.Stop();
            if (!html.Contains(mustShow, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The board did not show “{mustShow}”.");
            }
            if (i >= 5)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        times.Sort();
        return (BenchSupport.Percentile(times, 0.5), BenchSupport.Percentile(times, 0.95));
    }

    /// <summary>Copies a video and all its stage runs <paramref name="count"/> times (titles numbered, newest last).</summary>
    private static async Task<long> CloneAsync(string cs, Guid source, int count)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        var videoColumns = await ColumnsAsync(conn, "videos", "id", "title", "created_at", "updated_at");
        var runColumns = await ColumnsAsync(conn, "stage_runs", "id", "video_id");
        for (var i = 1; i <= count; i++)
        {
            await using var cmd = new NpgsqlCommand($"""
                WITH v AS (
                    INSERT INTO videos (id, title, created_at, updated_at, {videoColumns})
                    SELECT gen_random_uuid(), title || ' ' || @i, created_at + make_interval(secs => @i), updated_at + make_interval(secs => @i), {videoColumns}
                    FROM videos WHERE id = @source RETURNING id)
                INSERT INTO stage_runs (video_id, {runColumns}) SELECT v.id, {runColumns} FROM stage_runs r, v WHERE r.video_id = @source
                """, conn);
            cmd.Parameters.AddWithValue("i", i);
            cmd.Parameters.AddWithValue("source", source);
            await cmd.ExecuteNonQueryAsync();
        }
        await using var analyze = new NpgsqlCommand("ANALYZE videos; ANALYZE stage_runs; SELECT count(*) FROM stage_runs", conn);
        return (long)(await analyze.ExecuteScalarAsync())!;
    }

    private static async Task<string> ColumnsAsync(NpgsqlConnection conn, string table, params string[] except)
    {
        await using var cmd = new NpgsqlCommand("SELECT column_name FROM information_schema.columns WHERE table_name = @t AND table_schema = 'public' ORDER BY ordinal_position", conn);
        cmd.Parameters.AddWithValue("t", table);
        var names = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var name = reader.GetString(0);
            if (!except.Contains(name))
            {
                names.Add($"\"{name}\"");
            }
        }
        return string.Join(", ", names);
    }

    /// <summary>
    /// The studio's resident memory after 10 CPU videos and after <paramref name="videos"/> (4 scenes of
    /// 2 s each, made ten at a time), each read after the studio has been idle a while.
    /// </summary>
    public static async Task MemoryAsync(string admin, string scratch, int videos)
    {
        var cs = await BenchSupport.CreateDatabaseAsync(admin, "memory");
        await using var studio = new StudioProcess(cs, Path.Combine(scratch, "bench-memory-" + Guid.NewGuid().ToString("N")[..8]),
            new() { ["Media__X264Preset"] = "ultrafast" });
        await studio.StartAsync();
        var client = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var clock = Stopwatch.StartNew();
        await MakeAsync(cs, client, studio, 0, 10);
        var after10 = await SettledResidentMegabytesAsync(studio);
        Console.WriteLine(FormattableString.Invariant($"memory: {after10:0} MiB after 10 videos ({clock.Elapsed.TotalMinutes:0.0} min)"));
        for (var made = 10; made < videos; made += 10)
        {
            await MakeAsync(cs, client, studio, made, Math.Min(10, videos - made));
        }
        var afterAll = await SettledResidentMegabytesAsync(studio);
        Console.WriteLine(FormattableString.Invariant($"memory: {afterAll:0} MiB after {videos} videos ({clock.Elapsed.TotalMinutes:0.0} min)"));
        BenchSupport.Bench($"memory_growth_{videos}_videos", afterAll - after10, "MiB", "<=64");
    }

    private static async Task MakeAsync(string cs, HttpClient client, StudioProcess studio, int from, int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await BenchSupport.CreateVideoAsync(client, BenchSupport.Script(4, 2, $"Memory {from + i + 1}")));
        }
        foreach (var id in ids)
        {
            await BenchSupport.WaitForStatusAsync(cs, id, "AwaitingReview", TimeSpan.FromMinutes(10), studio);
        }
    }

    /// <summary>The median of five readings of VmRSS, a second apart, after ten quiet seconds.</summary>
    private static async Task<double> SettledResidentMegabytesAsync(StudioProcess studio)
    {
        await Task.Delay(TimeSpan.FromSeconds(10));
        var readings = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var pid = studio.ProcessId ?? throw new InvalidOperationException("The studio is not running.\n" + studio.Log);
            var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            readings.Add(double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024);
            await Task.Delay(1000);
        }
        readings.Sort();
        return readings[2];
    }
}
