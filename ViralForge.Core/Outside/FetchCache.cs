using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using ViralForge.Core.Data;

namespace ViralForge.Core.Outside;

/// <summary>The last good answer from one URL, with what a conditional GET needs to ask whether it changed.</summary>
public sealed class FetchedBody
{
    /// <summary>The URL as requested, without credentials (keys travel in headers).</summary>
    public required string Url { get; set; }
    public string? ETag { get; set; }
    public string? LastModified { get; set; }
    public string? ContentType { get; set; }
    public byte[] Body { get; set; } = [];
    public DateTimeOffset FetchedAt { get; set; } = DateTimeOffset.UtcNow;
}

internal sealed class FetchedBodyConfiguration : IEntityTypeConfiguration<FetchedBody>
{
    public void Configure(EntityTypeBuilder<FetchedBody> e)
    {
        e.ToTable("fetched_bodies");
        e.HasKey(b => b.Url);
        e.Property(b => b.Url).HasMaxLength(2048);
        e.Property(b => b.ETag).HasMaxLength(500);
        e.Property(b => b.LastModified).HasMaxLength(100);
        e.Property(b => b.ContentType).HasMaxLength(200);
        e.HasIndex(b => b.FetchedAt);
    }
}

/// <summary>Every fetched body, kept in PostgreSQL so any machine can ask "changed since?" and fall back to it.</summary>
public sealed class FetchCache(IDbContextFactory<ViralForgeDbContext> dbFactory)
{
    public async Task<FetchedBody?> FindAsync(string url, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.FetchedBodies.AsNoTracking().SingleOrDefaultAsync(b => b.Url == url, ct);
    }

    public async Task SaveAsync(FetchedBody body, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // One statement, so two machines saving the same URL at once do not collide.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO fetched_bodies (url, e_tag, last_modified, content_type, body, fetched_at)
            VALUES ({body.Url}, {body.ETag}, {body.LastModified}, {body.ContentType}, {body.Body}, {body.FetchedAt})
            ON CONFLICT (url) DO UPDATE SET e_tag = excluded.e_tag, last_modified = excluded.last_modified,
              content_type = excluded.content_type, body = excluded.body, fetched_at = excluded.fetched_at
            """, ct);
    }

    public async Task TouchAsync(string url, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.FetchedBodies.Where(b => b.Url == url).ExecuteUpdateAsync(s => s.SetProperty(b => b.FetchedAt, at), ct);
    }

    /// <summary>Bodies nobody asked for since <paramref name="before"/> go.</summary>
    public async Task<int> ForgetOlderThanAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.FetchedBodies.Where(b => b.FetchedAt < before).ExecuteDeleteAsync(ct);
    }
}
