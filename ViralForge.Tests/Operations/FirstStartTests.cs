using Npgsql;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Operations;

/// <summary>
/// Several studios (or a studio and its workers) brought up together on an empty database, as a
/// compose file or an orchestrator does: every one starts, and the first-start rows exist once.
/// </summary>
public sealed class FirstStartTests
{
    [Fact]
    public async Task Three_studios_started_at_once_on_an_empty_database_all_come_up_and_seed_once()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("firststart");
        var settings = new Dictionary<string, string> { ["Setup__CreateDemoVideo"] = "true" };
        var studios = Enumerable.Range(1, 3).Select(i => new StudioProcess(cs, TestEnvironment.NewFolder($"first-{i}"), settings)).ToList();
        try
        {
            await Task.WhenAll(studios.Select(s => s.StartAsync()));
            foreach (var studio in studios)
            {
                Assert.True(studio.IsRunning, "A studio exited during its first start:\n" + studio.Log);
                var live = await studio.Client(null).GetAsync("health/live");
                Assert.True(live.IsSuccessStatusCode, studio.Log);
            }

            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            Assert.Equal(1L, await CountAsync(conn, "SELECT count(*) FROM \"AspNetUsers\""));
            Assert.Equal(3L, await CountAsync(conn, "SELECT count(*) FROM \"AspNetRoles\""));
            Assert.Equal(1L, await CountAsync(conn, "SELECT count(*) FROM videos"));
            Assert.True(await CountAsync(conn, "SELECT count(*) FROM prompt_templates") >= 1);
            Assert.Equal(0L, await CountAsync(conn, "SELECT count(*) - count(DISTINCT name) FROM prompt_templates"));
        }
        finally
        {
            foreach (var studio in studios)
            {
                await studio.DisposeAsync();
            }
        }
    }

    private static async Task<long> CountAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
