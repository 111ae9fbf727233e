using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Trends;

/// <summary>
/// A 429 storm with Retry-After, 500s, 503s and hanging answers while two studio processes with four
/// fetch workers each read six sources from one host: the host never sees more requests per source
/// than its budget, the shared circuit opens and lets a trial through after its pause, the last good
/// items stay on the page marked stale, and the pipeline's own stages are picked up as quickly as ever.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class TrendStormTests
{
    private const int Sources = 6;
    private const int Budget = 6;

    [Fact]
    public async Task Two_studios_in_a_storm_stay_within_every_budget_and_keep_the_pipeline_moving()
    {
        var factory = await TestEnvironment.CreateMigratedDatabaseAsync("trendstorm");
        string cs;
        await using (var db = await factory.CreateDbContextAsync())
        {
            cs = db.Database.GetConnectionString()!;
        }
        await using var host = new LoopbackTrendHost();
        var storm = false;
        var answers = new ConcurrentDictionary<string, int>();
        var hang = host.Hang();
        var good = TrendBodies.GoogleTrends(DateTimeOffset.UtcNow.AddMinutes(-5));
        for (var i = 0; i < Sources; i++)
        {
            var path = $"/storm/{i}.xml";
            host.Route(path, context =>
            {
                if (!storm)
                {
                    return LoopbackTrendHost.Body("application/rss+xml", good)(context);
                }
                return (answers.AddOrUpdate(path, 1, (_, n) => n + 1) % 4) switch
                {
                    1 => LoopbackTrendHost.Body("application/json", "{\"error\":\"slow down\"}", status: 429, headers: ("Retry-After", "1"))(context),
                    2 => LoopbackTrendHost.Body("text/html", "<h1>500</h1>", status: 500)(context),
                    3 => hang(context),
                    _ => LoopbackTrendHost.Body("text/html", "<h1>503</h1>", status: 503)(context),
                };
            });
        }

        var settings = new Dictionary<string, string>
        {
            ["Workers__Outside"] = "4",
            ["Trends__DispatchEverySeconds"] = "1",
            ["Trends__RetryBaseSeconds"] = "0.5",
            ["Trends__RequestTimeoutSeconds"] = "1.5",
            ["Trends__MaxHostWaitSeconds"] = "0.5",
            ["Outside__Default__PerSecond"] = "50",
            ["Outside__Default__Burst"] = "50",
            ["Outside__BreakAfterFailures"] = "4",
            ["Outside__BreakSeconds"] = "3",
        };
        await using var one = new StudioProcess(cs, TestEnvironment.NewFolder("storm-1"), settings);
        await using var two = new StudioProcess(cs, TestEnvironment.NewFolder("storm-2"), settings);
        await Task.WhenAll(one.StartAsync(), two.StartAsync());
        var admin = one.Client(await one.IssueApiKeyAsync("admin"));
        var creator = two.Client(await two.IssueApiKeyAsync("creator"));

        var ids = new List<long>();
        for (var i = 0; i < Sources; i++)
        {
            var response = await admin.PostAsJsonAsync("api/trend-sources", new
            {
                name = $"Storm {i}", kind = "Feed", address = $"{host.BaseUrl}storm/{i}.xml", everyMinutes = 5, budgetPerHour = Budget, maxItems = 10,
            }, TestScripts.Json);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        }
        // Calm first: every source reads its items once.
        await Eventually.WaitAsync(async () => (await SourcesAsync(admin)).All(s => s.GetProperty("lastSuccessAt").ValueKind != JsonValueKind.Null),
            TimeSpan.FromSeconds(60), () => "not every source was read while calm\n" + one.Log[^Math.Min(4000, one.Log.Length)..]);

        storm = true;
        foreach (var id in ids)
        {
            (await admin.PostAsync($"api/trend-sources/{id}/fetch", null)).EnsureSuccessStatusCode();
        }
        var openSeen = new List<(DateTimeOffset At, DateTimeOffset Until)>();
        var pickups = new List<TimeSpan>();
        var stormEnds = DateTimeOffset.UtcNow.AddSeconds(35);
        while (DateTimeOffset.UtcNow < stormEnds)
        {
            if (await OpenUntilAsync(cs, host) is { } until)
            {
                openSeen.Add((DateTimeOffset.UtcNow, until));
            }
            if (pickups.Count < 3 && openSeen.Count > 0)
            {
                pickups.Add(await PickupAsync(creator, cs));
            }
            await Task.Delay(200);
        }

        // Never above a source's budget (one request was the calm read), whichever studio sent it.
        var seen = Enumerable.Range(0, Sources).Select(i => host.Count($"/storm/{i}.xml")).ToList();
        Assert.All(seen, n => Assert.True(n <= Budget, $"requests per source: {string.Join(", ", seen)} for a budget of {Budget}"));
        // While the shared circuit is open a source's turn is refused before anything is sent, so some sources send little.
        Assert.True(seen.Sum() >= Sources * 2, $"the storm hardly happened: {string.Join(", ", seen)}");
        // The circuit opened, and after its pause a trial call went through.
        Assert.NotEmpty(openSeen);
        var firstPauseEnds = openSeen[0].Until;
        Assert.Contains(host.Requests, r => r.At > firstPauseEnds && r.PathAndQuery.StartsWith("/storm/", StringComparison.Ordinal));
        var health = await SourcesAsync(admin);
        Assert.All(health, s => Assert.True(s.GetProperty("stale").GetBoolean()));

        // The page keeps the last good items, marked stale.
        var trends = await creator.GetFromJsonAsync<JsonElement>($"api/trends?source={ids[0]}");
        Assert.Equal(3, trends.GetProperty("total").GetInt32());
        Assert.All(trends.GetProperty("rows").EnumerateArray(), r => Assert.True(r.GetProperty("stale").GetBoolean()));

        // The pipeline was not slowed: a new video's first stage was picked up within seconds while the storm went on.
        Assert.Equal(3, pickups.Count);
        Assert.All(pickups, p => Assert.True(p < TimeSpan.FromSeconds(3), $"pickups: {string.Join(", ", pickups)}"));
    }

    private static async Task<List<JsonElement>> SourcesAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync<JsonElement>("api/trend-sources")).EnumerateArray().ToList();

    private static async Task<DateTimeOffset?> OpenUntilAsync(string cs, LoopbackTrendHost host)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT open_until FROM rate_limit_buckets WHERE key = $1 AND open_until > now() AND last_event LIKE 'circuit open%'", conn);
        cmd.Parameters.AddWithValue("host:" + new Uri(host.BaseUrl).Authority);
        return await cmd.ExecuteScalarAsync() is DateTime until ? new DateTimeOffset(until, TimeSpan.Zero) : null;
    }

    /// <summary>Starts a video and returns how long its first stage waited in the queue.</summary>
    private static async Task<TimeSpan> PickupAsync(HttpClient creator, string cs)
    {
        var video = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief());
        TimeSpan? waited = null;
        await Eventually.WaitAsync(async () =>
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT started_at - queued_at FROM stage_runs WHERE video_id = $1 AND stage = 'Script' AND started_at IS NOT NULL", conn);
            cmd.Parameters.AddWithValue(video);
            waited = await cmd.ExecuteScalarAsync() as TimeSpan?;
            return waited is not null;
        }, TimeSpan.FromSeconds(30), () => $"video {video}'s script stage was not picked up");
        return waited!.Value;
    }
}
