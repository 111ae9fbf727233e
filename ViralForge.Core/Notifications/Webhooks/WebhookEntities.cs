using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ViralForge.Core.Notifications.Webhooks;

/// <summary>An admin's subscription: these kinds of notification, posted signed to this URL.</summary>
public sealed class NotificationWebhook
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string Url { get; set; }
    public List<NotificationKind> Kinds { get; set; } = [];
    /// <summary>The signing secret, encrypted with Data Protection; shown to the admin once, when made.</summary>
    public required string ProtectedSecret { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
}

public enum WebhookDeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One event for one webhook: the body is fixed when the event happens, so every retry sends the same bytes.</summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }
    public int WebhookId { get; set; }
    public NotificationKind Kind { get; set; }
    /// <summary>Stays the same across retries and redeliveries, so a receiver can drop a repeat.</summary>
    public Guid EventId { get; set; }
    public string? Link { get; set; }
    public required string PayloadJson { get; set; }
    public WebhookDeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
}

internal sealed class NotificationWebhookConfiguration : IEntityTypeConfiguration<NotificationWebhook>
{
    public void Configure(EntityTypeBuilder<NotificationWebhook> e)
    {
        e.ToTable("notification_webhooks");
        e.Property(w => w.Name).HasMaxLength(100);
        e.Property(w => w.Url).HasMaxLength(1000);
        e.Property(w => w.Kinds).HasConversion(
            kinds => kinds.Select(k => k.ToString()).ToArray(),
            names => names.Select(n => Enum.Parse<NotificationKind>(n)).ToList(),
            new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<NotificationKind>>(
                (a, b) => a!.SequenceEqual(b!), l => l.Aggregate(0, (h, k) => HashCode.Combine(h, k)), l => l.ToList()));
        e.Property(w => w.CreatedBy).HasMaxLength(256);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> e)
    {
        e.ToTable("webhook_deliveries");
        e.Property(d => d.Kind).HasConversion<string>().HasMaxLength(32);
        e.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        e.Property(d => d.Link).HasMaxLength(500);
        // Text, not jsonb: the bytes signed are the bytes kept.
        e.Property(d => d.PayloadJson).HasColumnType("text");
        e.Property(d => d.LastError).HasMaxLength(1000);
        e.HasOne<NotificationWebhook>().WithMany().HasForeignKey(d => d.WebhookId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(d => new { d.Status, d.NextAttemptAt });
        e.HasIndex(d => new { d.WebhookId, d.CreatedAt });
    }
}
