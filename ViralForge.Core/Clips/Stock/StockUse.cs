using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ViralForge.Core.Clips.Stock;

/// <summary>
/// A stock video taken by one scene of a video. Scenes run in parallel, so a scene claims its footage
/// here (one row per video and stock video) before downloading: two scenes can never both take it.
/// </summary>
public sealed class StockUse
{
    public Guid VideoId { get; set; }
    public required string StockKey { get; set; }
    public int SceneIndex { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

internal sealed class StockUseConfiguration : IEntityTypeConfiguration<StockUse>
{
    public void Configure(EntityTypeBuilder<StockUse> e)
    {
        e.ToTable("stock_uses");
        e.HasKey(u => new { u.VideoId, u.StockKey });
        e.Property(u => u.StockKey).HasMaxLength(100);
        e.HasOne<Data.Video>().WithMany().HasForeignKey(u => u.VideoId).OnDelete(DeleteBehavior.Cascade);
    }
}
