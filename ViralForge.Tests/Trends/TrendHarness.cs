using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ViralForge.Core.Data;
using ViralForge.Core.Extensions;
using ViralForge.Core.Trends;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Trends;

/// <summary>The studio's real trend services on a test database, pointed at a loopback host; fetches run directly (no Hangfire server needed).</summary>
public sealed class TrendHarness : IAsyncDisposable
{
    private TrendHarness(ServiceProvider provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
    }

    public ServiceProvider Provider { get; }
    public string ConnectionString { get; }
    public TrendQueries Queries => Provider.GetRequiredService<TrendQueries>();

    public static async Task<TrendHarness> StartAsync(string prefix, LoopbackTrendHost host, Dictionary<string, string?>? settings = null)
    {
        var factory = await TestEnvironment.CreateMigratedDatabaseAsync(prefix);
        string cs;
        await using (var db = await factory.CreateDbContextAsync())
        {
            cs = db.Database.GetConnectionString()!;
        }
        return await OnAsync(cs, host, settings);
    }

    /// <summary>Another "machine" on an existing database: its own services and connection pool.</summary>
    public static Task<TrendHarness> OnAsync(string cs, LoopbackTrendHost host, Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Workers:Enabled"] = "false",
            ["Trends:Reddit:BaseUrl"] = host.BaseUrl + "reddit/",
            ["Trends:Reddit:OAuthBaseUrl"] = host.BaseUrl + "oauth/",
            ["Trends:Reddit:Username"] = "viralforge_test",
            ["Trends:HackerNews:BaseUrl"] = host.BaseUrl + "hn/v0/",
            ["Trends:YouTube:BaseUrl"] = host.BaseUrl + "yt/youtube/v3/",
            ["Trends:YouTube:ApiKey"] = "test-youtube-key-123",
            ["Trends:RequestTimeoutSeconds"] = "2",
            ["Trends:MaxRunSeconds"] = "20",
            ["Trends:MaxBodyBytes"] = "1000000",
            ["Outside:Default:PerSecond"] = "200",
            ["Outside:Default:Burst"] = "200",
            ["Outside:BreakAfterFailures"] = "100",
        };
        foreach (var (k, v) in settings ?? [])
        {
            values[k] = v;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddViralForgeCore(configuration, cs);
        return Task.FromResult(new TrendHarness(services.BuildServiceProvider(), cs));
    }

    public async Task<long> AddSourceAsync(string name, TrendSourceKind kind, string address, TrendSourceSettings? settings = null, int budget = 60, int maxItems = 30, string blocked = "", string? language = null)
    {
        var source = await Provider.GetRequiredService<TrendSourceCommands>().SaveAsync(null,
            new TrendSourceInput(name, kind, address, settings ?? new TrendSourceSettings(), language, 30, budget, maxItems, true, blocked), ViralForge.Core.Security.StudioActor.System("admin", ViralForge.Core.Security.Roles.Admin), CancellationToken.None);
        return source.Id;
    }

    /// <summary>One fetch, as the job does it; returns the source's health afterwards.</summary>
    public async Task<TrendSource> FetchAsync(long sourceId)
    {
        await Provider.GetRequiredService<TrendFetcher>().FetchAsync(sourceId, CancellationToken.None);
        await using var db = await Provider.GetRequiredService<IDbContextFactory<ViralForgeDbContext>>().CreateDbContextAsync();
        return await db.TrendSources.AsNoTracking().SingleAsync(s => s.Id == sourceId);
    }

    public async Task<List<TrendItem>> ItemsAsync(long sourceId)
    {
        await using var db = await Provider.GetRequiredService<IDbContextFactory<ViralForgeDbContext>>().CreateDbContextAsync();
        return await db.TrendItems.AsNoTracking().Where(t => t.SourceId == sourceId).OrderByDescending(t => t.Hot).ToListAsync();
    }

    public async ValueTask DisposeAsync() => await Provider.DisposeAsync();
}
