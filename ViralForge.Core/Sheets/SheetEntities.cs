using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ViralForge.Core.Sheets;

/// <summary>
/// One brief row of the sheet as the studio knows it. PostgreSQL is the truth: a row becomes a draft
/// once, whatever the sheet later says; the sheet gets the status written back.
/// </summary>
public sealed class SheetBrief
{
    public long Id { get; set; }
    public required string SpreadsheetId { get; set; }
    /// <summary>The topic, normalised: the row's identity until the studio's video id is in the row.</summary>
    public required string TopicKey { get; set; }
    public int RowNumber { get; set; }
    /// <summary>What the row said when its draft was made (topic, tone, seconds, voice, channel).</summary>
    public string ContentHash { get; set; } = "";
    public Guid? VideoId { get; set; }
    /// <summary>The status the sheet should show for this row (written back when the sheet shows something else).</summary>
    public string Status { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
}

/// <summary>The desk's health: when a sync last worked, and what went wrong last.</summary>
public sealed class SheetSyncState
{
    public int Id { get; set; } = 1;
    public DateTimeOffset? LastSuccessAt { get; set; }
    public DateTimeOffset? LastErrorAt { get; set; }
    public string? LastError { get; set; }
    public int Failures { get; set; }
    public int RowsRead { get; set; }
    public int RowsRefused { get; set; }
    public int DraftsMade { get; set; }
    public int DecisionsApplied { get; set; }
    public int CellsWritten { get; set; }
}

internal sealed class SheetBriefConfiguration : IEntityTypeConfiguration<SheetBrief>
{
    public void Configure(EntityTypeBuilder<SheetBrief> e)
    {
        e.ToTable("sheet_briefs");
        e.Property(b => b.SpreadsheetId).HasMaxLength(200);
        e.Property(b => b.TopicKey).HasMaxLength(700);
        e.Property(b => b.ContentHash).HasMaxLength(64);
        e.Property(b => b.Status).HasMaxLength(1000);
        e.HasIndex(b => new { b.SpreadsheetId, b.TopicKey }).IsUnique();
        e.HasIndex(b => b.VideoId);
    }
}

internal sealed class SheetSyncStateConfiguration : IEntityTypeConfiguration<SheetSyncState>
{
    public void Configure(EntityTypeBuilder<SheetSyncState> e)
    {
        e.ToTable("sheet_sync_state");
        e.Property(s => s.Id).ValueGeneratedNever();
        e.Property(s => s.LastError).HasMaxLength(1000);
    }
}
