using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Bench;

internal static class BenchSupport
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static async Task<string> CreateDatabaseAsync(string admin, string prefix)
    {
        var name = $"vf_bench_{prefix}_{Guid.NewGuid():N}"[..40];
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public static async Task<Guid> CreateVideoAsync(HttpClient client, object script)
    {
        var response = await client.PostAsJsonAsync("api/videos", new { brief = "bench", script }, Json);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Create failed: {body}");
        }
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<string> ScalarAsync(string cs, string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args)
        {
            cmd.Parameters.AddWithValue(a);
        }
        return (await cmd.ExecuteScalarAsync())?.ToString() ?? "";
    }

    public static async Task WaitForStatusAsync(string cs, Guid videoId, string status, TimeSpan timeout, StudioProcess studio)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await ScalarAsync(cs, "SELECT status FROM videos WHERE id = $1", videoId) == status)
            {
                return;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Video {videoId} did not reach {status}.\n{studio.Log[^Math.Min(4000, studio.Log.Length)..]}");
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }
        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    public static void Bench(string name, double value, string unit, string target) =>
        Console.WriteLine(FormattableString.Invariant($"BENCH {name} {value:0.###} {unit} target {target}"));

    public static object Script(int scenes, double seconds, string title) => new
    {
        title,
        hook = "Benchmark hook.",
        scenes = Enumerable.Range(1, scenes).Select(i => new { narration = $"Scene number {i} of the benchmark.", visual = $"Visual {i}", durationSeconds = seconds }),
        captionText = "Benchmark",
        hashtags = new[] { "bench" },
        callToAction = "Follow.",
    };
}
