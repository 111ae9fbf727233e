using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ViralForge.Core.Publishing;

public enum ChannelPlatform
{
    Outbox,
    Webhook,
    YouTube,
    TikTok,
    Instagram,
}

/// <summary>One account on one platform (or the outbox folder, or a webhook) that videos are published to.</summary>
public sealed class Channel
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public ChannelPlatform Platform { get; set; }
    /// <summary>IANA time zone the slots are read in (for example Europe/Berlin).</summary>
    public string TimeZone { get; set; } = "UTC";
    /// <summary>Publishing slots, see <see cref="SlotSchedule"/> ("daily 18:00; Mon,Wed,Fri 12:30"); empty means as soon as approved.</summary>
    public string Slots { get; set; } = "";
    /// <summary>At most this many publications per local day (platform quotas are real).</summary>
    public int DailyCap { get; set; } = 10;
    /// <summary>public, unlisted or private (the platform's own words where it has them).</summary>
    public string DefaultPrivacy { get; set; } = "public";
    public const string DefaultAiDisclosure = "Made with AI: script, images, motion and voice are AI-generated.";

    public string AiDisclosure { get; set; } = DefaultAiDisclosure;
    /// <summary>Ticked by default when a reviewer approves a video.</summary>
    public bool IsDefault { get; set; }
    public bool Enabled { get; set; } = true;
    /// <summary>Per-platform settings that are not secret (webhook URL, YouTube category, TikTok post mode).</summary>
    public string SettingsJson { get; set; } = "{}";
    /// <summary>OAuth tokens or the webhook secret, encrypted with ASP.NET Data Protection; never shown or logged.</summary>
    public string? ProtectedSecret { get; set; }
    /// <summary>The platform account the grant belongs to, as the platform names it.</summary>
    public string? AccountName { get; set; }
    /// <summary>The grant was revoked or expired: an admin must connect the channel again.</summary>
    public bool NeedsReconnect { get; set; }
    public string? ConnectionNote { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

public enum PublicationStatus
{
    /// <summary>Waiting for its slot (and for the video's Publish stage, the gate, to pass).</summary>
    Scheduled,
    Uploading,
    /// <summary>The platform has the file and is processing it.</summary>
    Processing,
    Live,
    Failed,
    /// <summary>The channel's grant is gone; publishing resumes when an admin reconnects it.</summary>
    NeedsReconnect,
    Cancelled,
}

/// <summary>
/// One video on one channel, exactly once: the platform's id and any upload session are stored the
/// moment they exist, so a retry resumes or asks the platform instead of uploading again.
/// </summary>
public sealed class Publication
{
    public long Id { get; set; }
    public Guid VideoId { get; set; }
    public int ChannelId { get; set; }
    public Channel? Channel { get; set; }
    public PublicationStatus Status { get; set; }
    public DateTimeOffset ScheduledFor { get; set; }
    public int Attempt { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public Guid? LeaseId { get; set; }
    public DateTimeOffset? HeartbeatAt { get; set; }
    public DateTimeOffset? EnqueuedAt { get; set; }
    /// <summary>A resumable upload session (YouTube's session URI, TikTok's upload URL), kept across restarts.</summary>
    public string? UploadSession { get; set; }
    public long BytesSent { get; set; }
    public double Progress { get; set; }
    /// <summary>The platform's id for the post, stored as soon as the platform gives it.</summary>
    public string? PlatformId { get; set; }
    public string? Url { get; set; }
    /// <summary>What went wrong last, in plain words (the platform's reason included).</summary>
    public string? Error { get; set; }
    /// <summary>Per-platform progress notes (thumbnail set, AI flag refused, …).</summary>
    public string DetailsJson { get; set; } = "{}";
    public string? RequestedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }

    /// <summary>The platform's latest numbers for a live publication (null: not read yet, or the platform does not say).</summary>
    public long? Views { get; set; }
    public long? Likes { get; set; }
    public long? Comments { get; set; }
    public long? Shares { get; set; }
    /// <summary>Minutes watched in all, where the platform tells (YouTube Analytics, Instagram's reel insights).</summary>
    public double? WatchMinutes { get; set; }
    public DateTimeOffset? StatsAt { get; set; }
    /// <summary>When the numbers are read next; null when they are not read (no platform numbers, or old enough).</summary>
    public DateTimeOffset? NextStatsAt { get; set; }
    /// <summary>Why the last reading failed, in plain words.</summary>
    public string? StatsNote { get; set; }
}

internal sealed class ChannelConfiguration : IEntityTypeConfiguration<Channel>
{
    public void Configure(EntityTypeBuilder<Channel> e)
    {
        e.ToTable("channels");
        e.Property(c => c.Name).HasMaxLength(100);
        e.HasIndex(c => c.Name).IsUnique();
        e.Property(c => c.Platform).HasConversion<string>().HasMaxLength(16);
        e.Property(c => c.TimeZone).HasMaxLength(64);
        e.Property(c => c.Slots).HasMaxLength(500);
        e.Property(c => c.DefaultPrivacy).HasMaxLength(16);
        e.Property(c => c.AiDisclosure).HasMaxLength(500);
        e.Property(c => c.SettingsJson).HasColumnType("jsonb");
        // The outbox folder is always there, so an approval has somewhere to go on a new studio.
        e.HasData(new Channel
        {
            Id = 1,
            Name = "Outbox folder",
            Platform = ChannelPlatform.Outbox,
            IsDefault = true,
            DailyCap = 1000,
            CreatedAt = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
        });
    }
}

internal sealed class PublicationConfiguration : IEntityTypeConfiguration<Publication>
{
    public void Configure(EntityTypeBuilder<Publication> e)
    {
        e.ToTable("publications");
        e.Property(p => p.Status).HasConversion<string>().HasMaxLength(16);
        e.Property(p => p.DetailsJson).HasColumnType("jsonb");
        e.Property(p => p.UploadSession).HasMaxLength(2000);
        e.Property(p => p.PlatformId).HasMaxLength(200);
        e.Property(p => p.Url).HasMaxLength(2000);
        // Exactly once: one publication per (video, channel), ever.
        e.HasIndex(p => new { p.VideoId, p.ChannelId }).IsUnique();
        e.HasIndex(p => new { p.Status, p.ScheduledFor });
        e.HasIndex(p => new { p.ChannelId, p.ScheduledFor });
        e.HasIndex(p => p.NextStatsAt).HasFilter("next_stats_at IS NOT NULL");
        e.Property(p => p.StatsNote).HasMaxLength(500);
        e.HasOne<Data.Video>().WithMany().HasForeignKey(p => p.VideoId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(p => p.Channel).WithMany().HasForeignKey(p => p.ChannelId).OnDelete(DeleteBehavior.Restrict);
    }
}
