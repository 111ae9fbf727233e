using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ViralForge.Core.Outside;

/// <summary>A call to a host was not made: its rate limit or its open circuit would keep it waiting too long.</summary>
public sealed class HostRateLimitedException(string host, TimeSpan retryAfter, string reason)
    : HttpRequestException($"Calls to {host} are held back for {Math.Ceiling(retryAfter.TotalSeconds):0} s: {reason}.")
{
    public string Host { get; } = host;
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// One token bucket and circuit breaker per outside host, kept in PostgreSQL so every worker on every
/// machine shares them. A token is taken atomically in one statement; the host's own answers slow
/// everyone down (Retry-After, an X-RateLimit window spent), and failures in a row open the circuit.
/// </summary>
public sealed class HostRateLimiter(NpgsqlDataSource dataSource, IOptions<OutsideOptions> options, TimeProvider time, ILogger<HostRateLimiter> log)
{
    // Refill since the last take, capped at the burst, in one expression used by both statements.
    private const string Available = "LEAST(@burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)::float8 * @rate)";

    private const string TakeSql = $"""
        INSERT INTO rate_limit_buckets AS b (key, tokens, updated_at, failures)
        VALUES (@key, @burst - 1, clock_timestamp(), 0)
        ON CONFLICT (key) DO UPDATE SET tokens = {Available} - 1, updated_at = clock_timestamp()
        WHERE (b.open_until IS NULL OR b.open_until <= clock_timestamp()) AND {Available} >= 1
        RETURNING 1
        """;

    private const string WaitSql = $"""
        SELECT GREATEST(COALESCE(EXTRACT(EPOCH FROM b.open_until - clock_timestamp())::float8, 0), (1 - {Available}) / @rate, 0.01),
               b.open_until > clock_timestamp(), b.last_event
        FROM rate_limit_buckets b WHERE b.key = @key
        """;

    /// <summary>Waits for the host's turn (bounded by <see cref="OutsideOptions.MaxWaitSeconds"/>), then takes it.</summary>
    public async Task AcquireAsync(string host, CancellationToken ct, TimeSpan? maxWaitOverride = null)
    {
        var limit = options.Value.For(host);
        var waited = TimeSpan.Zero;
        var maxWait = maxWaitOverride ?? TimeSpan.FromSeconds(options.Value.MaxWaitSeconds);
        while (true)
        {
            await using (var take = dataSource.CreateCommand(TakeSql))
            {
                AddBucket(take, host, limit);
                if (await take.ExecuteScalarAsync(ct) is not null)
                {
                    return;
                }
            }
            var (wait, open, why) = await WaitAsync(host, limit, ct);
            if (waited + wait > maxWait)
            {
                throw new HostRateLimitedException(host, wait, open ? why ?? "the host asked for a pause" : $"more than {limit.PerSecond:0.###} calls a second");
            }
            // A little jitter, so workers that waited together do not all call together.
            var delay = wait + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 50));
            await Task.Delay(delay, time, ct);
            waited += delay;
        }
    }

    /// <summary>Learns from the host's answer: its rate headers, Retry-After, and whether it is failing.</summary>
    public Task ReportAsync(string host, HttpResponseMessage response, CancellationToken ct)
    {
        var code = (int)response.StatusCode;
        var retryAfter = RetryAfterHeader.Of(response, time);
        if (response.StatusCode is HttpStatusCode.TooManyRequests || code >= 500)
        {
            return FailedAsync(host, $"{code} from the host{(retryAfter is { } r ? $", Retry-After {r.TotalSeconds:0} s" : "")}", retryAfter, ct);
        }
        // The host says its window is spent: nobody calls until it resets.
        if (Header(response, "X-RateLimit-Remaining") is { } remaining && double.TryParse(remaining, NumberStyles.Float, CultureInfo.InvariantCulture, out var left) && left < 1
            && ResetIn(response) is { } reset)
        {
            return PauseAsync(host, reset, $"the host's rate window is spent (resets in {reset.TotalSeconds:0} s)", ct);
        }
        return SucceededAsync(host, ct);
    }

    /// <summary>The call did not get an answer (network, timeout).</summary>
    public Task ReportFailureAsync(string host, string what, CancellationToken ct) => FailedAsync(host, what, null, ct);

    private async Task FailedAsync(string host, string what, TimeSpan? retryAfter, CancellationToken ct)
    {
        var o = options.Value;
        // Retry-After is honoured as given; otherwise a breaker that has seen enough failures opens.
        await using var cmd = dataSource.CreateCommand("""
            UPDATE rate_limit_buckets SET failures = failures + 1,
              open_until = GREATEST(open_until, CASE
                WHEN @retry_after IS NOT NULL THEN clock_timestamp() + make_interval(secs => @retry_after)
                WHEN failures + 1 >= @break_after THEN clock_timestamp() + make_interval(secs => @break_seconds)
                ELSE NULL END),
              last_event = CASE
                WHEN @retry_after IS NULL AND failures + 1 >= @break_after THEN 'circuit open after ' || (failures + 1) || ' failures in a row (last: ' || @what || ')'
                ELSE @what END
            WHERE key = @key
            RETURNING failures, open_until > clock_timestamp()
            """);
        cmd.Parameters.AddWithValue("key", Key(host));
        cmd.Parameters.AddWithValue("retry_after", NpgsqlTypes.NpgsqlDbType.Double, (object?)retryAfter?.TotalSeconds ?? DBNull.Value);
        cmd.Parameters.AddWithValue("break_after", o.BreakAfterFailures);
        cmd.Parameters.AddWithValue("break_seconds", o.BreakSeconds);
        cmd.Parameters.AddWithValue("what", what);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (await reader.ReadAsync(ct) && !reader.IsDBNull(1) && reader.GetBoolean(1))
        {
            log.LogWarning("Calls to {Host} are held back: {What} ({Failures} failures in a row).", host, what, reader.GetInt32(0));
        }
    }

    private async Task PauseAsync(string host, TimeSpan pause, string why, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            UPDATE rate_limit_buckets SET failures = 0, last_event = @why,
              open_until = GREATEST(open_until, clock_timestamp() + make_interval(secs => @pause))
            WHERE key = @key
            """);
        cmd.Parameters.AddWithValue("key", Key(host));
        cmd.Parameters.AddWithValue("pause", Math.Min(pause.TotalSeconds, 3600));
        cmd.Parameters.AddWithValue("why", why);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task SucceededAsync(string host, CancellationToken ct)
    {
        // Only a host that had failures is written to: a healthy host costs no write per call.
        await using var cmd = dataSource.CreateCommand("UPDATE rate_limit_buckets SET failures = 0 WHERE key = @key AND failures > 0");
        cmd.Parameters.AddWithValue("key", Key(host));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<(TimeSpan Wait, bool Open, string? Why)> WaitAsync(string host, HostLimit limit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(WaitSql);
        AddBucket(cmd, host, limit);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? (TimeSpan.FromSeconds(reader.GetDouble(0)), !reader.IsDBNull(1) && reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : (TimeSpan.FromMilliseconds(10), false, null);
    }

    private static void AddBucket(NpgsqlCommand cmd, string host, HostLimit limit)
    {
        cmd.Parameters.AddWithValue("key", Key(host));
        cmd.Parameters.AddWithValue("burst", limit.Burst);
        cmd.Parameters.AddWithValue("rate", limit.PerSecond);
    }

    public static string Key(string host) => "host:" + host.ToLowerInvariant();

    /// <summary>X-RateLimit-Reset: seconds to go (Reddit), or a Unix time (GitHub).</summary>
    private TimeSpan? ResetIn(HttpResponseMessage response)
    {
        if (Header(response, "X-RateLimit-Reset") is not { } text || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            return null;
        }
        return value > 1_000_000_000
            ? DateTimeOffset.FromUnixTimeSeconds((long)value) - time.GetUtcNow()
            : TimeSpan.FromSeconds(value);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>Puts every call of an HttpClient through the shared per-host limiter.</summary>
public sealed class HostRateLimitHandler(HostRateLimiter limiter) : DelegatingHandler
{
    /// <summary>A caller that would rather try later than wait long (a trend fetch) sets its own bound on the wait.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> MaxWait = new("viralforge.host-max-wait");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var host = request.RequestUri!.Authority;
        await limiter.AcquireAsync(host, ct, request.Options.TryGetValue(MaxWait, out var maxWait) ? maxWait : null);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            await limiter.ReportFailureAsync(host, ex is OperationCanceledException ? "no answer in time" : "the connection failed", CancellationToken.None);
            throw;
        }
        // Recorded even when the caller has given up meanwhile: the next caller needs to know.
        await limiter.ReportAsync(host, response, CancellationToken.None);
        return response;
    }
}
