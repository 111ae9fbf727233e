using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ViralForge.Core.Data;
using ViralForge.Core.Extensions;
using ViralForge.Core.Trends;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Trends;

namespace ViralForge.Bench;

/// <summary>
/// Trends: (1) a storm against two "machines" (their own service providers and connection pools, one
/// database) hammering the same sources with four fetchers each and no schedule in between — the
/// requests the host saw above each source's budget (target 0); (2) the Trends page rendered by the
/// studio over 10,000 items, p95 of repeated renders, beside the query alone.
/// </summary>
internal static class TrendBench
{
    private const int Sources = 8;
    private const int Budget = 8;

    public static async Task RunAsync(string admin, string scratch)
    {
        await StormAsync(admin);
        await PageAsync(admin, scratch);
    }

    /// <summary>One "machine": the studio's services with their own connection pool.</summary>
    private static ServiceProvider Machine(string cs, LoopbackTrendHost host)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Workers:Enabled"] = "false",
            ["Trends:RequestTimeoutSeconds"] = "0.5",
            ["Trends:MaxHostWaitSeconds"] = "0.2",
            ["Outside:BreakAfterFailures"] = "6",
            ["Outside:BreakSeconds"] = "1",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Error));
        services.AddViralForgeCore(configuration, cs);
        return services.BuildServiceProvider();
    }

    private static async Task StormAsync(string admin)
    {
        await using var host = new LoopbackTrendHost();
        var hang = host.Hang();
        var counter = new ConcurrentDictionary<string, int>();
        for (var i = 0; i < Sources; i++)
        {
            var path = $"/storm/{i}.xml";
            host.Route(path, context => (counter.AddOrUpdate(path, 1, (_, n) => n + 1) % 5) switch
            {
                1 => LoopbackTrendHost.Body("text/plain", "slow down", status: 429, headers: ("Retry-After", "1"))(context),
                2 => LoopbackTrendHost.Body("text/html", "<h1>500</h1>", status: 500)(context),
                3 => hang(context),
                4 => LoopbackTrendHost.Body("application/rss+xml", TrendBodies.GoogleTrends(DateTimeOffset.UtcNow))(context),
                _ => LoopbackTrendHost.Body("text/html", "<h1>503</h1>", status: 503)(context),
            });
        }
        var cs = await BenchSupport.CreateDatabaseAsync(admin, "trendstorm");
        await using var one = Machine(cs, host);
        await using var two = Machine(cs, host);
        await using (var db = await one.GetRequiredService<IDbContextFactory<ViralForgeDbContext>>().CreateDbContextAsync())
        {
            await db.Database.MigrateAsync();
        }
        var commands = one.GetRequiredService<TrendSourceCommands>();
        var ids = new List<long>();
        for (var i = 0; i < Sources; i++)
        {
            var source = await commands.SaveAsync(null, new TrendSourceInput($"Storm {i}", TrendSourceKind.Feed, $"{host.BaseUrl}storm/{i}.xml",
                new TrendSourceSettings(), null, 30, Budget, 30, true, ""), ViralForge.Core.Security.StudioActor.System("bench", ViralForge.Core.Security.Roles.Admin), CancellationToken.None);
            ids.Add(source.Id);
        }
        var until = DateTime.UtcNow.AddSeconds(20);
        var fetches = 0;
        var workers = new[] { one, one, one, one, two, two, two, two }.Select((machine, w) => Task.Run(async () =>
        {
            var fetcher = machine.GetRequiredService<TrendFetcher>();
            for (var n = w; DateTime.UtcNow < until; n++)
            {
                await fetcher.FetchAsync(ids[n % Sources], CancellationToken.None);
                Interlocked.Increment(ref fetches);
            }
        })).ToList();
        await Task.WhenAll(workers);
        var seen = Enumerable.Range(0, Sources).Select(i => host.Count($"/storm/{i}.xml")).ToList();
        Console.WriteLine($"storm: {fetches} fetches by 8 workers on 2 machines over 20 s; requests per source {string.Join(", ", seen)} (budget {Budget}; {seen.Count(s => s == Budget)} of {Sources} spent theirs)");
        BenchSupport.Bench("trend_budget_overshoot", seen.Sum(s => Math.Max(0, s - Budget)), "requests", "<=0");
    }

    private static async Task PageAsync(string admin, string scratch)
    {
        var cs = await BenchSupport.CreateDatabaseAsync(admin, "trendpage");
        await using var studio = new StudioProcess(cs, Path.Combine(scratch, "bench-trends-" + Guid.NewGuid().ToString("N")[..8]));
        await studio.StartAsync();
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var seed = new NpgsqlCommand("""
                INSERT INTO trend_sources (name, kind, address, settings_json, every_minutes, budget_per_hour, max_items, enabled, blocked_words,
                  next_run_at, last_success_at, failures, items_last_run, budget_window_start, budget_used, created_at)
                SELECT 'Source ' || s, 'Json', 'https://s' || s || '.example/api', '{}', 60, 60, 100, false, '', now() + interval '1 day', now(), 0, 0, now(), 0, now()
                FROM generate_series(1, 5) s;
                INSERT INTO trend_items (source_id, external_id, title, summary, url, url_key, title_key, language, score, hot, first_seen_at, last_seen_at, published_at)
                SELECT (SELECT min(id) FROM trend_sources) + (i % 5), 'item-' || i, 'Trend number ' || i || ' about topic ' || (i % 97),
                  'A summary of trend ' || i || ' that runs a little long, as summaries do.', 'https://news.example/' || i, 'news.example/' || i,
                  'trend number ' || i || ' about topic ' || (i % 97), CASE WHEN i % 3 = 0 THEN 'de' ELSE 'en' END, (i * 7919) % 10000,
                  random() + extract(epoch from now() - make_interval(mins => i)) / 86400, now() - make_interval(mins => i), now(), now() - make_interval(mins => i)
                FROM generate_series(1, 10000) i;
                """, conn);
            await seed.ExecuteNonQueryAsync();
        }
        var client = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var renders = new List<double>();
        var queries = new List<double>();
        for (var i = 0; i < 60; i++)
        {
            var clock = Stopwatch.StartNew();
            var html = await client.GetStringAsync("trends");
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (!html.Contains("10,000 stories", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("The Trends page did not render the 10,000 items: " + html[..Math.Min(500, html.Length)]);
            }
            clock.Restart();
            await client.GetStringAsync("api/trends?pageSize=50");
            var query = clock.Elapsed.TotalMilliseconds;
            if (i >= 5)
            {
                renders.Add(elapsed);
                queries.Add(query);
            }
        }
        renders.Sort();
        queries.Sort();
        Console.WriteLine(FormattableString.Invariant($"trends page over 10,000 items: render p50 {BenchSupport.Percentile(renders, 0.5):0.0} ms, p95 {BenchSupport.Percentile(renders, 0.95):0.0} ms; the same page of rows through the API p50 {BenchSupport.Percentile(queries, 0.5):0.0} ms, p95 {BenchSupport.Percentile(queries, 0.95):0.0} ms"));
        BenchSupport.Bench("trends_page_render_p95", BenchSupport.Percentile(renders, 0.95), "ms", "<=300");
    }
}
