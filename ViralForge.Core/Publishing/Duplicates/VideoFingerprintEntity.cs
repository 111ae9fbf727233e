using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ViralForge.Core.Publishing.Duplicates;

/// <summary>
/// The perceptual hashes of a video the gate has seen, or of a file in the reference folder. Videos
/// count as "already out" once <see cref="Released"/> (the gate passed, or a reviewer let it through).
/// </summary>
public sealed class VideoFingerprint
{
    public long Id { get; set; }
    /// <summary>The studio's video; null for a reference file.</summary>
    public Guid? VideoId { get; set; }
    /// <summary>The reference file's name, and its size and time as a change stamp (null for videos).</summary>
    public string? ReferenceName { get; set; }
    public string? ReferenceStamp { get; set; }
    public long[] Hashes { get; set; } = [];
    public bool Released { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

internal sealed class VideoFingerprintConfiguration : IEntityTypeConfiguration<VideoFingerprint>
{
    public void Configure(EntityTypeBuilder<VideoFingerprint> e)
    {
        e.ToTable("video_fingerprints");
        e.HasIndex(f => f.VideoId).IsUnique();
        e.Property(f => f.ReferenceName).HasMaxLength(500);
        e.Property(f => f.ReferenceStamp).HasMaxLength(100);
        e.HasIndex(f => f.ReferenceName).IsUnique();
        e.HasOne<Data.Video>().WithMany().HasForeignKey(f => f.VideoId).OnDelete(DeleteBehavior.Cascade);
    }
}
