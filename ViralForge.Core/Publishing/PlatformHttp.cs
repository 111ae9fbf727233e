using System.Net;
using System.Net.Http.Headers;

namespace ViralForge.Core.Publishing;

/// <summary>What every platform publisher does on the wire: the channel's bearer token, one refresh after a 401, a time limit per request.</summary>
public static class PlatformHttp
{
    /// <summary>
    /// Sends with the channel's token; a 401 refreshes the token once and sends again, a second 401 means
    /// the grant is gone. The clients have no overall timeout (uploads are long), so each request gets its own.
    /// </summary>
    public static Task<HttpResponseMessage> SendAsync(HttpClient client, PublishJob job, string platform, TimeSpan timeout,
        Func<HttpRequestMessage> build, CancellationToken ct, Func<HttpResponseMessage, CancellationToken, Task<bool>>? isUnauthorized = null) =>
        SendAsync(client, job.AccessTokenAsync, platform, timeout, build, ct, isUnauthorized);

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, Func<bool, CancellationToken, Task<string>> accessToken, string platform, TimeSpan timeout,
        Func<HttpRequestMessage> build, CancellationToken ct, Func<HttpResponseMessage, CancellationToken, Task<bool>>? isUnauthorized = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var token = await accessToken(attempt > 0, ct);
            var request = build();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            HttpResponseMessage response;
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                limit.CancelAfter(timeout);
                try
                {
                    response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new PublishTransientException($"{platform} did not answer within {timeout.TotalSeconds:0} s.");
                }
                catch (HttpRequestException ex)
                {
                    throw PublishTransientException.From(ex, $"{platform} could not be reached ({ex.HttpRequestError}).");
                }
            }
            var unauthorized = response.StatusCode == HttpStatusCode.Unauthorized
                || (isUnauthorized is not null && await isUnauthorized(response, ct));
            if (!unauthorized)
            {
                return response;
            }
            response.Dispose();
            if (attempt > 0)
            {
                throw new ChannelNeedsReconnectException($"{platform} refused the channel's access even after a refresh: connect the channel again.");
            }
        }
    }

    /// <summary>A request that carries its own permission (a signed upload URL), under a time limit.</summary>
    public static async Task<HttpResponseMessage> SendUnsignedAsync(HttpClient client, string platform, TimeSpan timeout, HttpRequestMessage request, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new PublishTransientException($"{platform} did not answer within {timeout.TotalSeconds:0} s.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw PublishTransientException.From(ex, $"The connection to {platform} dropped during the upload.");
        }
    }

    /// <summary>How long the platform asked to wait (<c>Retry-After</c> as seconds or a date).</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response) => Outside.RetryAfterHeader.Of(response);

    /// <summary>A platform's words cut to a length a page can show.</summary>
    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>Reads at most <paramref name="max"/> characters of an answer: a hostile or broken platform cannot fill memory.</summary>
    public static async Task<string> ReadCappedAsync(HttpResponseMessage response, CancellationToken ct, int max = 1 << 20)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream);
        var text = new System.Text.StringBuilder();
        var buffer = new char[8192];
        while (text.Length < max)
        {
            var n = await reader.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, max - text.Length)), ct);
            if (n == 0)
            {
                break;
            }
            text.Append(buffer, 0, n);
        }
        return text.ToString();
    }
}
