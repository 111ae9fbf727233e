using System.ComponentModel.DataAnnotations;
using System.Net;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ViralForge.Core.Data;
using ViralForge.Core.Outside;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Notifications.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Notifications:Webhooks";

    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Tries before a delivery is given up (Failed, shown in the delivery log with the last answer).</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 8;

    [Range(0.1, 3600)]
    public double RetryBaseSeconds { get; set; } = 30;

    [Range(1, 86400)]
    public double RetryMaxSeconds { get; set; } = 3600;
}

/// <summary>
/// Sends due webhook deliveries: claimed a few at a time with a lease (so two workers never send the
/// same one at once, and a worker killed mid-send leaves it to be tried again), through the shared
/// per-host limiter, signed with the webhook's secret. 2xx delivers; 408, 429, 5xx and network errors
/// retry with backoff (the receiver's Retry-After when longer); any other answer fails at once, since
/// sending it again will not change it. Woken at once after a notification, and every 15 s by its recurring job.
/// </summary>
public sealed class WebhookDeliverer(
    NpgsqlDataSource dataSource,
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    IHttpClientFactory http,
    WebhookSecrets secrets,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDeliverer> log)
{
    public const string HttpClientName = "notification-webhooks";
    public const string RecurringJobId = "deliver-webhooks";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Deliver webhooks")]
    public async Task DeliverDueAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var claimed = await ClaimAsync(10, ct);
            if (claimed.Count == 0)
            {
                return;
            }
            foreach (var id in claimed)
            {
                await DeliverAsync(id, ct);
            }
        }
    }

    private async Task<List<long>> ClaimAsync(int take, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            UPDATE webhook_deliveries d SET next_attempt_at = now() + @lease
            WHERE d.id IN (SELECT id FROM webhook_deliveries WHERE status = 'Pending' AND next_attempt_at <= now()
                           ORDER BY next_attempt_at LIMIT @take FOR UPDATE SKIP LOCKED)
            RETURNING d.id
            """);
        cmd.Parameters.AddWithValue("lease", Lease);
        cmd.Parameters.AddWithValue("take", take);
        var ids = new List<long>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    private async Task DeliverAsync(long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var delivery = await db.Set<WebhookDelivery>().SingleAsync(d => d.Id == id, ct);
        var hook = await db.Set<NotificationWebhook>().AsNoTracking().SingleOrDefaultAsync(w => w.Id == delivery.WebhookId, ct);
        var outcome = hook is null || !hook.Enabled
            ? Outcome.Fail(null, "The webhook was disabled before this was sent.")
            : await SendAsync(hook, delivery, ct);
        var now = time.GetUtcNow();
        delivery.Attempts++;
        delivery.LastAttemptAt = now;
        delivery.LastStatusCode = outcome.StatusCode;
        delivery.LastError = outcome.Error is { } e && e.Length > 1000 ? e[..999] + "…" : outcome.Error;
        if (outcome.Delivered)
        {
            (delivery.Status, delivery.DeliveredAt) = (WebhookDeliveryStatus.Delivered, now);
        }
        else if (outcome.Retry && delivery.Attempts < options.Value.MaxAttempts)
        {
            var backoff = Backoff.Delay(delivery.Attempts, options.Value.RetryBaseSeconds, options.Value.RetryMaxSeconds, Random.Shared);
            delivery.NextAttemptAt = now + (outcome.RetryAfter > backoff ? outcome.RetryAfter.Value : backoff);
        }
        else
        {
            delivery.Status = WebhookDeliveryStatus.Failed;
            log.LogWarning("Webhook delivery {Id} ({Kind}) failed after {Attempts} attempts: {Error}", delivery.Id, delivery.Kind, delivery.Attempts, delivery.LastError);
        }
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private async Task<Outcome> SendAsync(NotificationWebhook hook, WebhookDelivery delivery, CancellationToken ct)
    {
        var secret = secrets.Unprotect(hook.ProtectedSecret);
        if (secret is null || !Uri.TryCreate(hook.Url, UriKind.Absolute, out var url))
        {
            return Outcome.Fail(null, "The webhook has no valid URL or secret: edit it on the Webhooks page.");
        }
        using var request = WebhookSignature.SignedPost(url, secret, delivery.EventId.ToString(), time.GetUtcNow(), delivery.PayloadJson);
        request.Headers.Add("X-ViralForge-Event", EventName(delivery.Kind));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new Outcome(true, false, code, null, null);
            }
            var retry = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || code >= 500;
            return new Outcome(false, retry, code, $"{url.Host} answered {code} {response.ReasonPhrase}.", RetryAfterHeader.Of(response));
        }
        catch (HostRateLimitedException ex)
        {
            return new Outcome(false, true, null, ex.Message, ex.RetryAfter);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return new Outcome(false, true, null, ex is OperationCanceledException
                ? $"{url.Host} did not answer within {options.Value.TimeoutSeconds} s."
                : $"{url.Host} could not be reached ({(ex as HttpRequestException)?.HttpRequestError.ToString() ?? ex.GetType().Name}).", null);
        }
    }

    /// <summary>The event's name on the wire: <c>notification.needs-review</c>.</summary>
    public static string EventName(NotificationKind kind) =>
        "notification." + string.Concat(kind.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private sealed record Outcome(bool Delivered, bool Retry, int? StatusCode, string? Error, TimeSpan? RetryAfter)
    {
        public static Outcome Fail(int? code, string error) => new(false, false, code, error, null);
    }
}
