using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Publishing;
using ViralForge.Core.Security;

namespace ViralForge.Core.Notifications.Webhooks;

/// <summary>Webhook signing secrets, encrypted at rest with Data Protection (keys rotate; old ones still decrypt).</summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("ViralForge.Notifications.WebhookSecret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string? Unprotect(string? value)
    {
        try
        {
            return string.IsNullOrEmpty(value) ? null : _protector.Unprotect(value);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}

public sealed record WebhookSummary(int Id, string Name, string Url, IReadOnlyList<NotificationKind> Kinds, bool Enabled, DateTimeOffset CreatedAt, int Pending, int Failed);

/// <summary>A webhook as made or given a new secret: the secret is shown this once and never again.</summary>
public sealed record WebhookWithSecret(WebhookSummary Webhook, string Secret);

public sealed record DeliveryRow(long Id, int WebhookId, string Webhook, string Event, Guid EventId, string Status, int Attempts,
    int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt);

/// <summary>
/// Admins' webhooks for notifications: which kinds go to which URL, signed with a secret of their own.
/// Events are written as delivery rows beside the notification (nothing lives only in memory), then sent by
/// <see cref="WebhookDeliverer"/>; the delivery log shows every try's answer, and a failed one can be sent again.
/// </summary>
public sealed class NotificationWebhooks(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    WebhookSecrets secrets,
    IBackgroundJobClient jobs,
    IOptions<PublishingOptions> publishing,
    TimeProvider time)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(10);

    public async Task<IReadOnlyList<WebhookSummary>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hooks = await db.Set<NotificationWebhook>().AsNoTracking().OrderBy(w => w.Id).ToListAsync(ct);
        var counts = await db.Set<WebhookDelivery>().AsNoTracking()
            .Where(d => d.Status != WebhookDeliveryStatus.Delivered)
            .GroupBy(d => new { d.WebhookId, d.Status })
            .Select(g => new { g.Key.WebhookId, g.Key.Status, Count = g.Count() })
            .ToListAsync(ct);
        return hooks.Select(w => Summarize(w,
            counts.Where(c => c.WebhookId == w.Id && c.Status == WebhookDeliveryStatus.Pending).Sum(c => c.Count),
            counts.Where(c => c.WebhookId == w.Id && c.Status == WebhookDeliveryStatus.Failed).Sum(c => c.Count))).ToList();
    }

    public async Task<WebhookWithSecret> AddAsync(string? name, string? url, IReadOnlyCollection<NotificationKind>? kinds, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        var (checkedName, checkedUrl, checkedKinds) = Check(name, url, kinds);
        var secret = WebhookSecrets.NewSecret();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hook = new NotificationWebhook
        {
            Name = checkedName, Url = checkedUrl, Kinds = checkedKinds, ProtectedSecret = secrets.Protect(secret),
            CreatedAt = time.GetUtcNow(), CreatedBy = actor,
        };
        db.Add(hook);
        await db.SaveChangesAsync(ct);
        Audit(db, actor, "webhook.add", hook);
        await db.SaveChangesAsync(ct);
        return new WebhookWithSecret(Summarize(hook, 0, 0), secret);
    }

    public async Task UpdateAsync(int id, string? name, string? url, IReadOnlyCollection<NotificationKind>? kinds, bool? enabled, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hook = await FindAsync(db, id, ct);
        var (checkedName, checkedUrl, checkedKinds) = Check(name ?? hook.Name, url ?? hook.Url, kinds ?? hook.Kinds);
        (hook.Name, hook.Url, hook.Kinds, hook.Enabled) = (checkedName, checkedUrl, checkedKinds, enabled ?? hook.Enabled);
        Audit(db, actor, "webhook.update", hook);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>A new secret at once; deliveries still waiting are signed with it when they go.</summary>
    public async Task<string> RotateSecretAsync(int id, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hook = await FindAsync(db, id, ct);
        var secret = WebhookSecrets.NewSecret();
        hook.ProtectedSecret = secrets.Protect(secret);
        Audit(db, actor, "webhook.rotate-secret", hook);
        await db.SaveChangesAsync(ct);
        return secret;
    }

    public async Task DeleteAsync(int id, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hook = await FindAsync(db, id, ct);
        db.Remove(hook);
        Audit(db, actor, "webhook.delete", hook);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>A test event, whatever kinds the webhook takes, so an admin sees the receiver's answer in the log.</summary>
    public async Task<long> SendTestAsync(int id, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hook = await FindAsync(db, id, ct);
        var delivery = NewDelivery(hook.Id, NotificationKind.WebhookTest, $"A test from {actor}: this webhook is reached.", null);
        db.Add(delivery);
        await db.SaveChangesAsync(ct);
        Wake();
        return delivery.Id;
    }

    public async Task RedeliverAsync(long deliveryId, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var delivery = await db.Set<WebhookDelivery>().SingleOrDefaultAsync(d => d.Id == deliveryId, ct)
            ?? throw new KeyNotFoundException($"Delivery {deliveryId} does not exist.");
        if (delivery.Status == WebhookDeliveryStatus.Pending)
        {
            throw new PipelineCommandException($"Delivery {deliveryId} is still being tried.");
        }
        (delivery.Status, delivery.Attempts, delivery.NextAttemptAt, delivery.DeliveredAt) = (WebhookDeliveryStatus.Pending, 0, time.GetUtcNow(), null);
        db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "webhook.redeliver", Subject = $"delivery:{deliveryId}" });
        await db.SaveChangesAsync(ct);
        Wake();
    }

    public async Task<IReadOnlyList<DeliveryRow>> DeliveriesAsync(int? webhookId, int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await (
            from d in db.Set<WebhookDelivery>().AsNoTracking()
            join w in db.Set<NotificationWebhook>() on d.WebhookId equals w.Id
            where webhookId == null || d.WebhookId == webhookId
            orderby d.Id descending
            select new { d, w.Name })
            .Take(take)
            .Select(x => new DeliveryRow(x.d.Id, x.d.WebhookId, x.Name, x.d.Kind.ToString(), x.d.EventId, x.d.Status.ToString(), x.d.Attempts,
                x.d.LastStatusCode, x.d.LastError, x.d.CreatedAt, x.d.LastAttemptAt, x.d.DeliveredAt,
                x.d.Status == WebhookDeliveryStatus.Pending ? x.d.NextAttemptAt : null))
            .ToListAsync(ct);
    }

    /// <summary>
    /// In the caller's context: one delivery row per enabled webhook that takes this kind, unless the same
    /// event (kind and link) went to it in the last ten minutes. Returns how many; call <see cref="Wake"/> after saving.
    /// </summary>
    internal async Task<int> QueueAsync(ViralForgeDbContext db, NotificationKind kind, string text, string? link, CancellationToken ct)
    {
        var hooks = await db.Set<NotificationWebhook>().AsNoTracking().Where(w => w.Enabled).ToListAsync(ct);
        var wanted = hooks.Where(w => w.Kinds.Contains(kind)).Select(w => w.Id).ToList();
        if (wanted.Count == 0)
        {
            return 0;
        }
        var since = time.GetUtcNow() - Quiet;
        var recent = await db.Set<WebhookDelivery>()
            .Where(d => wanted.Contains(d.WebhookId) && d.Kind == kind && d.Link == link && d.CreatedAt > since)
            .Select(d => d.WebhookId).ToListAsync(ct);
        var fresh = wanted.Except(recent).ToList();
        db.AddRange(fresh.Select(id => NewDelivery(id, kind, text, link)));
        return fresh.Count;
    }

    /// <summary>Sends what is due now rather than at the next sweep.</summary>
    public void Wake()
    {
        try
        {
            jobs.Enqueue<WebhookDeliverer>(Queues.Outside, d => d.DeliverDueAsync(CancellationToken.None));
        }
        catch (BackgroundJobClientException)
        {
            // The rows are saved; the recurring sweep sends them within seconds.
        }
    }

    private WebhookDelivery NewDelivery(int webhookId, NotificationKind kind, string text, string? link)
    {
        var now = time.GetUtcNow();
        var eventId = Guid.NewGuid();
        var baseUrl = publishing.Value.PublicBaseUrl?.TrimEnd('/');
        var payload = new JsonObject
        {
            ["event"] = WebhookDeliverer.EventName(kind),
            ["id"] = eventId.ToString(),
            ["text"] = text,
            ["link"] = link,
            ["url"] = link is not null && baseUrl is not null ? baseUrl + link : null,
            ["at"] = now.ToString("O"),
        };
        return new WebhookDelivery
        {
            WebhookId = webhookId, Kind = kind, EventId = eventId, Link = link, PayloadJson = payload.ToJsonString(),
            Status = WebhookDeliveryStatus.Pending, NextAttemptAt = now, CreatedAt = now,
        };
    }

    private static (string Name, string Url, List<NotificationKind> Kinds) Check(string? name, string? url, IReadOnlyCollection<NotificationKind>? kinds)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > 100)
        {
            throw new PipelineCommandException("Give the webhook a name of 1 to 100 characters.");
        }
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var parsed) || parsed.Scheme is not ("https" or "http") || url!.Length > 1000)
        {
            throw new PipelineCommandException("The webhook URL must be an absolute http or https address.");
        }
        var chosen = (kinds ?? []).Where(k => k != NotificationKind.WebhookTest && Enum.IsDefined(k)).Distinct().Order().ToList();
        if (chosen.Count == 0)
        {
            throw new PipelineCommandException($"Choose at least one kind of notification: {string.Join(", ", Subscribable)}.");
        }
        return (trimmed, parsed.ToString(), chosen);
    }

    /// <summary>The kinds a webhook can take (the test event is sent on request only).</summary>
    public static IReadOnlyList<NotificationKind> Subscribable { get; } = Enum.GetValues<NotificationKind>().Where(k => k != NotificationKind.WebhookTest).ToList();

    private static async Task<NotificationWebhook> FindAsync(ViralForgeDbContext db, int id, CancellationToken ct) =>
        await db.Set<NotificationWebhook>().SingleOrDefaultAsync(w => w.Id == id, ct) ?? throw new KeyNotFoundException($"Webhook {id} does not exist.");

    private static void Audit(ViralForgeDbContext db, string actor, string action, NotificationWebhook hook) =>
        db.AuditLog.Add(new AuditEntry
        {
            Actor = actor, Action = action, Subject = $"webhook:{hook.Id}",
            DetailsJson = JsonSerializer.Serialize(new { hook.Name, host = new Uri(hook.Url).Host, kinds = hook.Kinds.Select(k => k.ToString()), hook.Enabled }),
        });

    private static WebhookSummary Summarize(NotificationWebhook w, int pending, int failed) =>
        new(w.Id, w.Name, w.Url, w.Kinds, w.Enabled, w.CreatedAt, pending, failed);
}
