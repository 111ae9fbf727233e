using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ViralForge.Core.Publishing.Stats;

/// <summary>How a live publication is doing, as the platform counts it (null: the platform does not say); a note when part of it could not be read.</summary>
public sealed record PublicationNumbers(long? Views, long? Likes, long? Comments, long? Shares = null, double? WatchMinutes = null, string? Note = null);

/// <summary>One reading of a publication's numbers; the history shows how a video grew.</summary>
public sealed class PublicationMetric
{
    public long Id { get; set; }
    public long PublicationId { get; set; }
    public DateTimeOffset FetchedAt { get; set; }
    public long? Views { get; set; }
    public long? Likes { get; set; }
    public long? Comments { get; set; }
    public long? Shares { get; set; }
    public double? WatchMinutes { get; set; }
}

internal sealed class PublicationMetricConfiguration : IEntityTypeConfiguration<PublicationMetric>
{
    public void Configure(EntityTypeBuilder<PublicationMetric> e)
    {
        e.ToTable("publication_metrics");
        e.HasIndex(m => new { m.PublicationId, m.FetchedAt });
        e.HasOne<Publication>().WithMany().HasForeignKey(m => m.PublicationId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>Reads a live publication's numbers from its platform.</summary>
public interface IStatsReader
{
    ChannelPlatform Platform { get; }

    Task<PublicationNumbers> ReadAsync(StatsRequest request, CancellationToken ct);
}

public sealed record StatsRequest(Publication Publication, Channel Channel, Func<bool, CancellationToken, Task<string>> AccessTokenAsync);

/// <summary>When numbers are read (section <c>Publishing:Stats</c>): often while a video is new, rarely once it is old.</summary>
public sealed class StatsOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The first reading, this long after the publication went live.</summary>
    [Range(1, 7 * 24 * 3600)]
    public double FirstAfterSeconds { get; set; } = 3600;

    /// <summary>No two readings of one publication closer than this (tests shorten it).</summary>
    [Range(1, 7 * 24 * 3600)]
    public double MinIntervalSeconds { get; set; } = 2 * 3600;

    /// <summary>Stop reading a publication this many days after it went live.</summary>
    [Range(1, 3650)]
    public int KeepReadingDays { get; set; } = 90;

    /// <summary>The next reading: every 2 hours on the first day, twice a day the first week, then daily.</summary>
    public TimeSpan NextAfter(TimeSpan age)
    {
        var natural = age < TimeSpan.FromDays(1) ? TimeSpan.FromHours(2) : age < TimeSpan.FromDays(7) ? TimeSpan.FromHours(12) : TimeSpan.FromDays(1);
        var floor = TimeSpan.FromSeconds(MinIntervalSeconds);
        return natural > floor ? natural : floor;
    }
}
