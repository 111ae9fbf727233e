using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using ViralForge.Core.Extensions;
using ViralForge.Core.Data;

namespace ViralForge.Tests.Infrastructure;

/// <summary>What scripts/test set up: a throwaway PostgreSQL cluster and a scratch folder.</summary>
public static class TestEnvironment
{
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("VIRALFORGE_TEST_PG")
        ?? throw new InvalidOperationException("VIRALFORGE_TEST_PG is not set: run the tests through scripts/test, which starts a throwaway PostgreSQL.");

    public static string Scratch =>
        Environment.GetEnvironmentVariable("VIRALFORGE_TEST_SCRATCH") is { Length: > 0 } s ? s : Path.GetTempPath();

    /// <summary>The clone the tests were built from (the folder holding ViralForge.sln).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ViralForge.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("No ViralForge.sln above the test folder.");
    }

    public static string NewFolder(string name)
    {
        var path = Path.Combine(Scratch, $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 13, 60)]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A fresh, empty database; each test class gets its own.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var full = $"vf_{prefix}_{Guid.NewGuid():N}";
        var name = full[..Math.Min(40, full.Length)].ToLowerInvariant();
        await using (var conn = new NpgsqlConnection(AdminConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>A fresh database with the studio's migrations applied, for tests that use Core's services without a studio process.</summary>
    public static async Task<IDbContextFactory<ViralForgeDbContext>> CreateMigratedDatabaseAsync(string prefix)
    {
        var builder = new DbContextOptionsBuilder<ViralForgeDbContext>();
        CoreServiceCollectionExtensions.ConfigureDb(await CreateDatabaseAsync(prefix))(builder);
        var factory = new PooledDbContextFactory<ViralForgeDbContext>(builder.Options);
        await using var db = await factory.CreateDbContextAsync();
        await db.Database.MigrateAsync();
        return factory;
    }

    /// <summary>Restarts the test cluster (pg_ctl restart) as the PostgreSQL OS user.</summary>
    public static async Task RestartPostgresAsync()
    {
        var data = Environment.GetEnvironmentVariable("VIRALFORGE_TEST_PG_DATA") ?? throw new InvalidOperationException("VIRALFORGE_TEST_PG_DATA is not set.");
        var bin = Environment.GetEnvironmentVariable("VIRALFORGE_TEST_PG_BIN")!;
        var user = Environment.GetEnvironmentVariable("VIRALFORGE_TEST_PG_USER")!;
        var pgCtl = Path.Combine(bin, "pg_ctl");
        var root = Environment.UserName == "root";
        var file = root ? "runuser" : pgCtl;
        // -l keeps the server's output off our pipes, so pg_ctl returns as soon as the server is up.
        string[] pgArgs = ["-D", Path.Combine(data, "data"), "-l", Path.Combine(data, "postgres.log"), "-m", "fast", "-w", "-t", "60", "restart"];
        string[] args = root ? ["-u", user, "--", pgCtl, .. pgArgs] : pgArgs;
        var result = await Core.Media.ProcessRunner.RunAsync(file, args, TimeSpan.FromSeconds(90), CancellationToken.None);
        Assert.True(result.ExitCode == 0, "pg_ctl restart failed: " + result.StdErrTail);
        // The restart killed this process's pooled connections too.
        NpgsqlConnection.ClearAllPools();
    }
}
