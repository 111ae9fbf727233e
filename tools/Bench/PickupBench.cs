using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ViralForge.Core.Extensions;
using ViralForge.Core.Pipeline;
using ViralForge.Tests.Infrastructure;
using ViralForge.Gpu.Worker;
using ViralForge.Web.Extensions;

namespace ViralForge.Bench;

/// <summary>
/// Stage pickup (enqueue → start) over real stage runs: each round sends a finished video back to
/// Script, which re-runs Script and cascades through every stage (reusing identical results).
/// Rounds are enqueued by the studio itself (in-process, through the API) and by this process.
/// </summary>
internal static class PickupBench
{
    private const int Rounds = 100;

    public static async Task RunAsync(string admin, string scratch)
    {
        var cs = await BenchSupport.CreateDatabaseAsync(admin, "pickup");
        await using var studio = new StudioProcess(cs, Path.Combine(scratch, "bench-pickup-" + Guid.NewGuid().ToString("N")[..8]));
        await studio.StartAsync();
        var client = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var videoId = await BenchSupport.CreateVideoAsync(client, BenchSupport.Script(4, 2, "Pickup benchmark"));
        await BenchSupport.WaitForStatusAsync(cs, videoId, "AwaitingReview", TimeSpan.FromMinutes(3), studio);

        var fromStudio = await MeasureAsync(cs, videoId, studio, async round =>
        {
            var response = await client.PostAsJsonAsync($"api/videos/{videoId}/stages/Script/retry", new { parameters = new { template = $"bench-{round}" } });
            response.EnsureSuccessStatusCode();
        });

        await using var provider = OtherProcessServices(cs);
        var commands = provider.GetRequiredService<PipelineCommands>();
        var fromOther = await MeasureAsync(cs, videoId, studio, round =>
            commands.RetryAsync(videoId, StageKind.Script, null, new JsonObject { ["template"] = $"bench-{1000 + round}" }, ViralForge.Core.Security.StudioActor.System("bench", ViralForge.Core.Security.Roles.Creator), CancellationToken.None));

        Report("in_process", fromStudio);
        Report("other_process", fromOther);
    }

    private static async Task<(List<double> Script, List<double> All)> MeasureAsync(string cs, Guid videoId, StudioProcess studio, Func<int, Task> sendBack)
    {
        var since = DateTimeOffset.UtcNow;
        for (var round = 0; round < Rounds; round++)
        {
            await sendBack(round);
            await Task.Delay(30);
            await BenchSupport.WaitForStatusAsync(cs, videoId, "AwaitingReview", TimeSpan.FromMinutes(1), studio);
        }
        var script = new List<double>();
        var all = new List<double>();
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT stage, EXTRACT(EPOCH FROM started_at - enqueued_at)::float8 FROM stage_runs WHERE video_id = $1 AND created_at >= $2 AND attempt = 1 AND enqueued_at IS NOT NULL AND started_at IS NOT NULL", conn);
        cmd.Parameters.AddWithValue(videoId);
        cmd.Parameters.AddWithValue(since);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var seconds = reader.GetDouble(1);
            all.Add(seconds);
            if (reader.GetString(0) == "Script")
            {
                script.Add(seconds);
            }
        }
        script.Sort();
        all.Sort();
        return (script, all);
    }

    private static void Report(string origin, (List<double> Script, List<double> All) m)
    {
        Console.WriteLine($"pickup ({origin.Replace('_', ' ')}): {m.Script.Count} Script runs, {m.All.Count} stage runs in all");
        Console.WriteLine(FormattableString.Invariant(
            $"  all stages: p50 {BenchSupport.Percentile(m.All, 0.5):0.000} s, p95 {BenchSupport.Percentile(m.All, 0.95):0.000} s, max {m.All[^1]:0.000} s (includes waiting for a free worker)"));
        BenchSupport.Bench($"pickup_{origin}_p50", BenchSupport.Percentile(m.Script, 0.5), "s", "<=0.2");
        BenchSupport.Bench($"pickup_{origin}_p95", BenchSupport.Percentile(m.Script, 0.95), "s", "<=1");
    }

    /// <summary>This process as another machine would be: a Hangfire client on the same storage, no server.</summary>
    private static ServiceProvider OtherProcessServices(string cs)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Workers:Enabled"] = "false" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddViralForgeCore(configuration, cs);
        // The GPU services bind their options from the host's configuration, as in the studio.
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration);
        services.AddViralForgeGpu();
        services.AddViralForgeHangfire(configuration, cs);
        Microsoft.Extensions.DependencyInjection.DataProtectionServiceCollectionExtensions.AddDataProtection(services);
        return services.BuildServiceProvider();
    }
}
