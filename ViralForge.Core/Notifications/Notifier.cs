using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Logging;
using ViralForge.Core.Data;

namespace ViralForge.Core.Notifications;

public enum NotificationKind
{
    NeedsReview,
    Published,
    DeadLettered,
    ChannelNeedsReconnect,
    DiskLow,
    /// <summary>Sent to a webhook on an admin's request only; never in the bell.</summary>
    WebhookTest,
}

/// <summary>One message for one person: what happened, where to look, and whether they have seen it.</summary>
public sealed class Notification
{
    public long Id { get; set; }
    /// <summary>The recipient's user name (their sign-in email).</summary>
    public required string Recipient { get; set; }
    public NotificationKind Kind { get; set; }
    public required string Text { get; set; }
    public string? Link { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> e)
    {
        e.ToTable("notifications");
        e.Property(n => n.Recipient).HasMaxLength(256);
        e.Property(n => n.Kind).HasConversion<string>().HasMaxLength(32);
        e.Property(n => n.Text).HasMaxLength(1000);
        e.Property(n => n.Link).HasMaxLength(500);
        e.HasIndex(n => new { n.Recipient, n.CreatedAt });
    }
}

/// <summary>
/// The in-app bell's messages, one row per recipient: by role (active users holding it, and admins)
/// or to one user. One kind of message to one person about one thing (its link) is sent once in ten
/// minutes, so four scenes failing together or a flapping condition do not flood anyone. The same event
/// goes once to each admin's webhook that takes its kind. Notifying never fails the caller's work.
/// </summary>
public sealed class Notifier(IDbContextFactory<ViralForgeDbContext> dbFactory, Webhooks.NotificationWebhooks webhooks, TimeProvider time, ILogger<Notifier> log)
{
    public const string AdminRole = "admin";
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(10);

    public async Task ToRolesAsync(NotificationKind kind, IReadOnlyCollection<string> roles, string text, string? link, CancellationToken ct)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var wanted = roles.Append(AdminRole).Distinct().ToList();
            var recipients = await (
                from ur in db.UserRoles
                join r in db.Roles on ur.RoleId equals r.Id
                join u in db.Users on ur.UserId equals u.Id
                where wanted.Contains(r.Name!) && u.DisabledAt == null && u.UserName != null
                select u.UserName!).Distinct().ToListAsync(ct);
            await AddAsync(db, kind, recipients, text, link, ct);
        }
        catch (Exception ex) when (ex is DbUpdateException or Npgsql.NpgsqlException or InvalidOperationException)
        {
            log.LogWarning("Could not record a {Kind} notification: {Message}", kind, ex.Message);
        }
    }

    /// <summary>To one studio account; API-key names and unknown or disabled users are skipped.</summary>
    public async Task ToUserAsync(NotificationKind kind, string? userName, string text, string? link, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(userName))
        {
            return;
        }
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var known = await db.Users.AnyAsync(u => u.UserName == userName && u.DisabledAt == null, ct);
            await AddAsync(db, kind, known ? [userName] : [], text, link, ct);
        }
        catch (Exception ex) when (ex is DbUpdateException or Npgsql.NpgsqlException or InvalidOperationException)
        {
            log.LogWarning("Could not record a {Kind} notification: {Message}", kind, ex.Message);
        }
    }

    private async Task AddAsync(ViralForgeDbContext db, NotificationKind kind, IReadOnlyCollection<string> recipients, string text, string? link, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var since = now - Quiet;
        var recent = await db.Set<Notification>()
            .Where(n => recipients.Contains(n.Recipient) && n.Kind == kind && n.Link == link && n.CreatedAt > since)
            .Select(n => n.Recipient).ToListAsync(ct);
        var text1000 = text.Length > 1000 ? text[..999] + "…" : text;
        db.Set<Notification>().AddRange(recipients.Except(recent).Select(r => new Notification
        {
            Recipient = r, Kind = kind, Text = text1000, Link = link, CreatedAt = now,
        }));
        var hooks = await webhooks.QueueAsync(db, kind, text1000, link, ct);
        await db.SaveChangesAsync(ct);
        if (hooks > 0)
        {
            webhooks.Wake();
        }
    }

    public async Task<IReadOnlyList<Notification>> ForAsync(string userName, int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Set<Notification>().AsNoTracking().Where(n => n.Recipient == userName)
            .OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id).Take(take).ToListAsync(ct);
    }

    public async Task<int> UnreadAsync(string userName, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Set<Notification>().CountAsync(n => n.Recipient == userName && n.ReadAt == null, ct);
    }

    /// <summary>Marks the given notifications (or all of them) read, only ever the caller's own.</summary>
    public async Task<int> MarkReadAsync(string userName, IReadOnlyCollection<long>? ids, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        return await db.Set<Notification>()
            .Where(n => n.Recipient == userName && n.ReadAt == null && (ids == null || ids.Contains(n.Id)))
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
    }
}
