using System.Net;
using System.Net.Http.Headers;
using Npgsql;
using ViralForge.Core.Outside;

namespace ViralForge.Core.Trends;

/// <summary>A source could not be read; the words are for the admin, <see cref="RetryAt"/> is the earliest sensible retry.</summary>
public sealed class TrendSourceException(string message, DateTimeOffset? retryAt = null, Exception? inner = null) : Exception(message, inner)
{
    public DateTimeOffset? RetryAt { get; } = retryAt;
}

/// <summary>
/// A source's hourly request budget, shared by every worker and machine: each request takes one in a
/// single statement, so two machines can never spend more than the budget between them.
/// </summary>
public sealed class SourceBudget(NpgsqlDataSource dataSource)
{
    private const string TakeSql = """
        UPDATE trend_sources SET
          budget_used = CASE WHEN budget_window_start <= clock_timestamp() - interval '1 hour' THEN 1 ELSE budget_used + 1 END,
          budget_window_start = CASE WHEN budget_window_start <= clock_timestamp() - interval '1 hour' THEN clock_timestamp() ELSE budget_window_start END
        WHERE id = @id AND (budget_window_start <= clock_timestamp() - interval '1 hour' OR budget_used < budget_per_hour)
        RETURNING budget_per_hour - budget_used
        """;

    /// <summary>Takes one request from the budget; null when it is spent, with when the window opens again.</summary>
    public async Task<(bool Taken, DateTimeOffset? NextWindow)> TakeAsync(long sourceId, CancellationToken ct)
    {
        await using (var take = dataSource.CreateCommand(TakeSql))
        {
            take.Parameters.AddWithValue("id", sourceId);
            if (await take.ExecuteScalarAsync(ct) is not null)
            {
                return (true, null);
            }
        }
        await using var when = dataSource.CreateCommand("SELECT budget_window_start + interval '1 hour' FROM trend_sources WHERE id = @id");
        when.Parameters.AddWithValue("id", sourceId);
        return (false, await when.ExecuteScalarAsync(ct) is DateTime next ? new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) : null);
    }

    /// <summary>Gives back a request that was never sent (its host was resting).</summary>
    public async Task RefundAsync(long sourceId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("UPDATE trend_sources SET budget_used = GREATEST(0, budget_used - 1) WHERE id = @id");
        cmd.Parameters.AddWithValue("id", sourceId);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>What a source answered: the body (possibly the cached one, on 304) and its type.</summary>
public sealed record SourceAnswer(byte[] Body, string? ContentType, bool FromCache, HttpResponseHeaders? Headers);

/// <summary>
/// Every request one fetch makes: through the source's budget and the shared host limiter, with a
/// conditional GET against the cached body, a time limit, a size cap, and the failure in plain words.
/// </summary>
public sealed class TrendRequests(HttpClient http, SourceBudget budget, FetchCache cache, TrendSource source, TrendOptions options, TimeProvider time)
{
    public int Made { get; private set; }

    /// <summary>GET with If-None-Match / If-Modified-Since when <paramref name="conditional"/>; a 304 gives the cached body.</summary>
    public async Task<SourceAnswer> GetAsync(Uri url, CancellationToken ct, bool conditional = true, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        configure?.Invoke(request);
        var cacheKey = CacheKey(url);
        var cached = conditional ? await cache.FindAsync(cacheKey, ct) : null;
        if (cached is not null)
        {
            if (cached.ETag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag))
            {
                request.Headers.IfNoneMatch.Add(tag);
            }
            if (cached.LastModified is { } modified && DateTimeOffset.TryParse(modified, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
            {
                request.Headers.IfModifiedSince = since;
            }
        }
        using var response = await SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NotModified && cached is not null)
        {
            await cache.TouchAsync(cacheKey, time.GetUtcNow(), ct);
            return new SourceAnswer(cached.Body, cached.ContentType, true, response.Headers);
        }
        var body = await ReadAsync(response, ct);
        var contentType = response.Content.Headers.ContentType?.MediaType;
        await cache.SaveAsync(new FetchedBody
        {
            Url = cacheKey,
            ETag = response.Headers.ETag?.ToString(),
            LastModified = response.Content.Headers.LastModified?.ToString("R"),
            ContentType = contentType,
            Body = body,
            FetchedAt = time.GetUtcNow(),
        }, ct);
        return new SourceAnswer(body, contentType, false, response.Headers);
    }

    /// <summary>Any other request (a token exchange): budget, limiter, time limit and plain-words failures, no cache.</summary>
    public async Task<byte[]> SendForBodyAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await SendAsync(request, ct);
        return await ReadAsync(response, ct);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var (taken, nextWindow) = await budget.TakeAsync(source.Id, ct);
        if (!taken)
        {
            throw new TrendSourceException($"Its budget of {source.BudgetPerHour} requests an hour is spent; the next hour starts at {nextWindow:HH:mm} UTC.", nextWindow);
        }
        Made++;
        request.Options.Set(HostRateLimitHandler.MaxWait, TimeSpan.FromSeconds(options.MaxHostWaitSeconds));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (HostRateLimitedException ex)
        {
            Made--;
            await budget.RefundAsync(source.Id, CancellationToken.None);
            throw new TrendSourceException($"{request.RequestUri!.Host} is resting: {ex.Message}", time.GetUtcNow() + ex.RetryAfter, ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new TrendSourceException($"{request.RequestUri!.Host} did not answer within {options.RequestTimeoutSeconds:0.#} s.", null, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new TrendSourceException($"{request.RequestUri!.Host} could not be reached ({ex.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "the name does not resolve",
                HttpRequestError.ConnectionError => "the connection was refused or dropped",
                HttpRequestError.SecureConnectionError => "the TLS handshake failed",
                _ => "the connection failed",
            }}).", null, ex);
        }
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified)
        {
            return response;
        }
        using (response)
        {
            throw Refusal(response, request.RequestUri!);
        }
    }

    private TrendSourceException Refusal(HttpResponseMessage response, Uri url)
    {
        var code = (int)response.StatusCode;
        var retryAfter = RetryAfterHeader.Of(response, time) is { } wait ? time.GetUtcNow() + wait : (DateTimeOffset?)null;
        var what = response.StatusCode switch
        {
            HttpStatusCode.TooManyRequests => "asked us to slow down (429)" + (retryAfter is { } r ? $"; it asked for a pause until {r:HH:mm:ss} UTC" : ""),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => $"refused the request ({code}): check the source's address and the key or client configured for it",
            HttpStatusCode.NotFound or HttpStatusCode.Gone => $"has nothing at that address ({code})",
            _ when code >= 500 => $"failed on its side ({code} {response.ReasonPhrase})",
            _ => $"answered {code} {response.ReasonPhrase}",
        };
        return new TrendSourceException($"{url.Host} {what}.", retryAfter);
    }

    private async Task<byte[]> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var cap = options.MaxBodyBytes;
        if (response.Content.Headers.ContentLength > cap)
        {
            throw new TrendSourceException($"The answer is {response.Content.Headers.ContentLength / 1_000_000.0:0.#} MB; more than the {cap / 1_000_000.0:0.#} MB a source may send (Trends:MaxBodyBytes).");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
            {
                if (buffer.Length + read > cap)
                {
                    throw new TrendSourceException($"The answer is larger than the {cap / 1_000_000.0:0.#} MB a source may send (Trends:MaxBodyBytes).");
                }
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new TrendSourceException($"{response.RequestMessage?.RequestUri?.Host} stopped sending before the answer was complete ({options.RequestTimeoutSeconds:0.#} s).", null, ex);
        }
        catch (IOException ex)
        {
            throw new TrendSourceException($"{response.RequestMessage?.RequestUri?.Host} broke off the answer.", null, ex);
        }
    }

    /// <summary>The cache is keyed without the query's secrets; none are ever put there (keys go in headers).</summary>
    private static string CacheKey(Uri url) => url.AbsoluteUri.Length <= 2048 ? url.AbsoluteUri : url.AbsoluteUri[..2048];
}
