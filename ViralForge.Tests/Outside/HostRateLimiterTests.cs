using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using ViralForge.Core.Outside;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Outside;

/// <summary>
/// The shared per-host limiter on a real PostgreSQL, with two limiters standing for two machines and a
/// loopback host that answers as real ones do (429 with Retry-After, X-RateLimit-* headers, 500s).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class HostRateLimiterTests : IAsyncLifetime
{
    private string _cs = "";
    private readonly List<NpgsqlDataSource> _sources = [];

    public async Task InitializeAsync()
    {
        var factory = await TestEnvironment.CreateMigratedDatabaseAsync("limits");
        await using var db = await factory.CreateDbContextAsync();
        _cs = db.Database.GetConnectionString()!;
    }

    public async Task DisposeAsync()
    {
        foreach (var source in _sources)
        {
            await source.DisposeAsync();
        }
    }

    /// <summary>A "machine": its own connection pool and limiter, the same database.</summary>
    private HttpClient Machine(OutsideOptions options)
    {
        var source = NpgsqlDataSource.Create(_cs);
        _sources.Add(source);
        var limiter = new HostRateLimiter(source, Options.Create(options), TimeProvider.System, NullLogger<HostRateLimiter>.Instance);
        return new HttpClient(new HostRateLimitHandler(limiter) { InnerHandler = new HttpClientHandler() });
    }

    private sealed class Host : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Host(Func<int, HttpListenerResponse, Task> answer)
        {
            (_listener, var port) = LoopbackListener.Start();
            Url = $"http://127.0.0.1:{port}/";
            _loop = Task.Run(() => LoopbackListener.ServeAsync(_listener, async context =>
            {
                Calls.Enqueue(DateTimeOffset.UtcNow);
                await answer(Calls.Count, context.Response);
            }, _stop.Token));
        }

        public string Url { get; }
        public ConcurrentQueue<DateTimeOffset> Calls { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            _listener.Close();
            await Task.WhenAny(_loop, Task.Delay(1000));
        }
    }

    private static Task Ok(HttpListenerResponse r) => LoopbackListener.WriteJsonAsync(r, 200, "{}");

    [Fact]
    public async Task Two_machines_share_one_bucket_per_host()
    {
        await using var host = new Host((_, r) => Ok(r));
        var options = new OutsideOptions { Default = new HostLimit { PerSecond = 4, Burst = 2 } };
        var a = Machine(options);
        var b = Machine(options);
        var watch = Stopwatch.StartNew();
        // 14 calls split over two machines: 2 at once, then 4 a second for the other 12 → at least 3 s.
        await Task.WhenAll(Enumerable.Range(0, 14).Select(i => (i % 2 == 0 ? a : b).GetAsync(host.Url)));
        Assert.Equal(14, host.Calls.Count);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(2.8), $"14 calls took {watch.Elapsed.TotalSeconds:0.00} s; the shared limit allows them in no less than 3 s.");
        var times = host.Calls.Order().ToList();
        // No second of the run saw more than the burst plus one second's refill.
        for (var i = 0; i < times.Count; i++)
        {
            Assert.True(times.Count(t => t >= times[i] && t < times[i].AddSeconds(1)) <= 2 + 4 + 1, "More calls in one second than the bucket allows.");
        }
    }

    [Fact]
    public async Task Retry_After_from_the_host_holds_back_every_machine()
    {
        await using var host = new Host((n, r) =>
        {
            if (n == 1)
            {
                r.AddHeader("Retry-After", "2");
                return LoopbackListener.WriteJsonAsync(r, 429, "{}");
            }
            return Ok(r);
        });
        var options = new OutsideOptions { Default = new HostLimit { PerSecond = 100, Burst = 100 } };
        var first = await Machine(options).GetAsync(host.Url);
        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        var second = await Machine(options).GetAsync(host.Url);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var calls = host.Calls.ToList();
        Assert.True(calls[1] - calls[0] >= TimeSpan.FromSeconds(1.9), $"The second call came {(calls[1] - calls[0]).TotalSeconds:0.00} s after a Retry-After of 2 s.");
    }

    [Fact]
    public async Task A_spent_rate_window_pauses_calls_until_it_resets()
    {
        await using var host = new Host((n, r) =>
        {
            r.AddHeader("X-RateLimit-Remaining", n == 1 ? "0" : "50");
            r.AddHeader("X-RateLimit-Reset", "2");
            return Ok(r);
        });
        var client = Machine(new OutsideOptions { Default = new HostLimit { PerSecond = 100, Burst = 100 } });
        await client.GetAsync(host.Url);
        await client.GetAsync(host.Url);
        var calls = host.Calls.ToList();
        Assert.True(calls[1] - calls[0] >= TimeSpan.FromSeconds(1.9), $"The second call came {(calls[1] - calls[0]).TotalSeconds:0.00} s after the window was spent.");
    }

    [Fact]
    public async Task Failures_in_a_row_open_the_circuit_and_calls_stop_reaching_the_host()
    {
        await using var host = new Host((_, r) => LoopbackListener.WriteJsonAsync(r, 500, "{}"));
        var options = new OutsideOptions { Default = new HostLimit { PerSecond = 100, Burst = 100 }, BreakAfterFailures = 3, BreakSeconds = 60, MaxWaitSeconds = 1 };
        var a = Machine(options);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.InternalServerError, (await a.GetAsync(host.Url)).StatusCode);
        }
        // The other machine is refused at once, with when to try again; the host hears nothing more.
        var watch = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<HostRateLimitedException>(() => Machine(options).GetAsync(host.Url));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Contains("circuit open after 3 failures", refused.Message);
        Assert.True(refused.RetryAfter > TimeSpan.FromSeconds(50));
        Assert.Equal(3, host.Calls.Count);
    }
}
