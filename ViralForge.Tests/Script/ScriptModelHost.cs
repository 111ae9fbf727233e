using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using Npgsql;
using ViralForge.Core.Extensions;
using ViralForge.Core.Outside;
using ViralForge.Core.Script;
using ViralForge.Core.Script.Models;
using ViralForge.Core.Script.Prompts;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Script;

/// <summary>A migrated database with the default prompt, and a script writer on the given model options.</summary>
public sealed class ScriptModelHost : IDisposable
{
    private readonly ScriptModels _models;
    private readonly NpgsqlDataSource _source;

    private ScriptModelHost(IDbContextFactory<ViralForgeDbContext> db, ScriptModelOptions options, OutsideOptions? outside)
    {
        Db = db;
        Prompts = new PromptLibrary(db);
        using (var context = db.CreateDbContext())
        {
            _source = NpgsqlDataSource.Create(context.Database.GetConnectionString()!);
        }
        Limiter = new HostRateLimiter(_source, Options.Create(outside ?? new OutsideOptions()), TimeProvider.System, NullLogger<HostRateLimiter>.Instance);
        _models = new ScriptModels(Options.Create(options), NullLoggerFactory.Instance, Limiter);
        Writer = new ScriptWriter(_models, Prompts, Options.Create(options), NullLogger<ScriptWriter>.Instance);
    }

    public IDbContextFactory<ViralForgeDbContext> Db { get; }
    public PromptLibrary Prompts { get; }
    public ScriptWriter Writer { get; }

    /// <summary>The studio's shared per-host limiter, on this host's database.</summary>
    public HostRateLimiter Limiter { get; }

    public static async Task<ScriptModelHost> CreateAsync(ScriptModelOptions options, OutsideOptions? outside = null)
    {
        var host = new ScriptModelHost(await TestEnvironment.CreateMigratedDatabaseAsync("script"), options, outside);
        await host.Prompts.EnsureDefaultsAsync(CancellationToken.None);
        return host;
    }

    public static ScriptModelOptions Endpoint(LoopbackChatServer server, double timeoutSeconds = 10, int httpRetries = 2) => new()
    {
        Endpoint = server.Endpoint,
        Model = "loopback-model",
        ApiKey = "sk-test-secret",
        TimeoutSeconds = timeoutSeconds,
        HttpRetries = httpRetries,
    };

    /// <summary>A script that passes every check for a 20-second target: six 3-second scenes.</summary>
    public static ScriptDocument GoodScript(int scenes = 6) => new()
    {
        Title = "Three odd facts about octopuses",
        Hook = "Octopuses taste with their arms.",
        Scenes = Enumerable.Range(1, scenes).Select(i => new SceneScript
        {
            Narration = $"Fact {i}: octopuses have three hearts and blue blood.",
            Visual = $"An orange octopus on a coral reef, close-up {i}, soft blue light",
            DurationSeconds = 3,
        }).ToList(),
        CaptionText = "Octopus facts",
        Hashtags = ["octopus", "ocean"],
        CallToAction = "Follow for more ocean facts.",
    };

    public void Dispose()
    {
        _models.Dispose();
        _source.Dispose();
    }
}
