using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ViralForge.Core.Trends;

public enum TrendSourceKind
{
    /// <summary>Any RSS or Atom feed, Google Trends' daily trending RSS (ht: namespace) included.</summary>
    Feed,
    /// <summary>Subreddit listings (hot, top, new, rising).</summary>
    Reddit,
    /// <summary>Hacker News top, best or new stories.</summary>
    HackerNews,
    /// <summary>YouTube's most popular videos in a region (videos.list chart=mostPopular).</summary>
    YouTube,
    /// <summary>A JSON endpoint with a small field mapping.</summary>
    Json,
}

/// <summary>Where trends come from, how often, under what budget, and how it has been going.</summary>
public sealed class TrendSource
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public TrendSourceKind Kind { get; set; }
    /// <summary>Feed or JSON URL; subreddits ("videos, technology"); HN list (top, best, new); YouTube region (US).</summary>
    public string Address { get; set; } = "";
    /// <summary>Kind-specific choices (see <see cref="TrendSourceSettings"/>), as JSON.</summary>
    public string SettingsJson { get; set; } = "{}";
    /// <summary>The language of the items when the source does not say (BCP 47, "en").</summary>
    public string? Language { get; set; }
    public int EveryMinutes { get; set; } = 30;
    /// <summary>Requests this source may make in one hour, every machine together.</summary>
    public int BudgetPerHour { get; set; } = 60;
    public int MaxItems { get; set; } = 30;
    public bool Enabled { get; set; } = true;
    /// <summary>Items whose title or summary holds one of these words (one per line or comma-separated) are dropped.</summary>
    public string BlockedWords { get; set; } = "";

    public DateTimeOffset NextRunAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>Set while a fetch holds the source; a fetch that died leaves it, and it expires.</summary>
    public DateTimeOffset? RunningSince { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public DateTimeOffset? LastErrorAt { get; set; }
    /// <summary>The last failure in plain words (never a credential or a raw body).</summary>
    public string? LastError { get; set; }
    /// <summary>Failed fetches in a row; the retry delay grows with it.</summary>
    public int Failures { get; set; }
    public int ItemsLastRun { get; set; }

    public DateTimeOffset BudgetWindowStart { get; set; } = DateTimeOffset.UtcNow;
    public int BudgetUsed { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The items shown are from before the last failure.</summary>
    public bool IsStale => LastErrorAt is { } error && (LastSuccessAt is not { } ok || error > ok);
}

/// <summary>One trending thing, cleaned; the first source to report it owns it, later ones point at it.</summary>
public sealed class TrendItem
{
    public long Id { get; set; }
    public long SourceId { get; set; }
    public TrendSource? Source { get; set; }
    public required string ExternalId { get; set; }
    public required string Title { get; set; }
    public string? Summary { get; set; }
    /// <summary>An http(s) link, shown to people; never fetched by the studio.</summary>
    public string? Url { get; set; }
    public string? Language { get; set; }
    /// <summary>The source's own measure (points, upvotes, views, searches).</summary>
    public double Score { get; set; }
    /// <summary>"200K+" searches, as Google Trends words it.</summary>
    public string? Traffic { get; set; }
    public string? PictureUrl { get; set; }
    /// <summary>Related news (title, link, outlet) as JSON, from Google Trends.</summary>
    public string? NewsJson { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset LastSeenAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>Rank by heat within its source's fetch, plus its day: newest and hottest sort first.</summary>
    public double Hot { get; set; }
    /// <summary>The same link or a near-same title already came from another source.</summary>
    public long? DuplicateOfId { get; set; }
    public string TitleKey { get; set; } = "";
    public string? UrlKey { get; set; }
}

internal sealed class TrendSourceConfiguration : IEntityTypeConfiguration<TrendSource>
{
    public void Configure(EntityTypeBuilder<TrendSource> e)
    {
        e.ToTable("trend_sources");
        e.Property(s => s.Name).HasMaxLength(100);
        e.HasIndex(s => s.Name).IsUnique();
        e.Property(s => s.Kind).HasConversion<string>().HasMaxLength(16);
        e.Property(s => s.Address).HasMaxLength(2000);
        e.Property(s => s.SettingsJson).HasColumnType("jsonb");
        e.Property(s => s.Language).HasMaxLength(16);
        e.Property(s => s.BlockedWords).HasMaxLength(4000);
        e.Property(s => s.LastError).HasMaxLength(1000);
        e.HasIndex(s => s.NextRunAt);
        e.Ignore(s => s.IsStale);
    }
}

internal sealed class TrendItemConfiguration : IEntityTypeConfiguration<TrendItem>
{
    public void Configure(EntityTypeBuilder<TrendItem> e)
    {
        e.ToTable("trend_items");
        e.HasIndex(t => new { t.SourceId, t.ExternalId }).IsUnique();
        e.HasOne(t => t.Source).WithMany().HasForeignKey(t => t.SourceId).OnDelete(DeleteBehavior.Cascade);
        e.Property(t => t.ExternalId).HasMaxLength(300);
        e.Property(t => t.Title).HasMaxLength(TrendText.MaxTitle);
        e.Property(t => t.Summary).HasMaxLength(TrendText.MaxSummary);
        e.Property(t => t.Url).HasMaxLength(TrendText.MaxUrl);
        e.Property(t => t.PictureUrl).HasMaxLength(TrendText.MaxUrl);
        e.Property(t => t.Language).HasMaxLength(16);
        e.Property(t => t.Traffic).HasMaxLength(32);
        e.Property(t => t.NewsJson).HasColumnType("jsonb");
        e.Property(t => t.TitleKey).HasMaxLength(TrendText.MaxTitle);
        e.Property(t => t.UrlKey).HasMaxLength(TrendText.MaxUrl);
        e.HasIndex(t => new { t.DuplicateOfId, t.Hot });
        e.HasIndex(t => t.UrlKey);
        e.HasIndex(t => t.LastSeenAt);
        // A duplicate outlives its original only as a plain item.
        e.HasOne<TrendItem>().WithMany().HasForeignKey(t => t.DuplicateOfId).OnDelete(DeleteBehavior.SetNull);
    }
}
