using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace ViralForge.Core.Data;

public sealed class ViralForgeDbContext(DbContextOptions<ViralForgeDbContext> options)
    : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    /// <summary>Data Protection's key ring, shared by every studio and worker on this database.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Video> Videos => Set<Video>();
    public DbSet<StageRun> StageRuns => Set<StageRun>();
    public DbSet<Artifact> Artifacts => Set<Artifact>();
    public DbSet<PromptTemplate> PromptTemplates => Set<PromptTemplate>();
    public DbSet<PromptVersion> PromptVersions => Set<PromptVersion>();
    public DbSet<PromptTestRun> PromptTestRuns => Set<PromptTestRun>();
    public DbSet<Pronunciation> Pronunciations => Set<Pronunciation>();
    public DbSet<Trends.TrendItem> TrendItems => Set<Trends.TrendItem>();
    public DbSet<Trends.TrendSource> TrendSources => Set<Trends.TrendSource>();
    public DbSet<Outside.FetchedBody> FetchedBodies => Set<Outside.FetchedBody>();
    public DbSet<Sheets.SheetBrief> SheetBriefs => Set<Sheets.SheetBrief>();
    public DbSet<Clips.Stock.StockUse> StockUses => Set<Clips.Stock.StockUse>();
    public DbSet<Sheets.SheetSyncState> SheetSyncState => Set<Sheets.SheetSyncState>();
    public DbSet<RateLimitBucket> RateLimitBuckets => Set<RateLimitBucket>();
    public DbSet<ReviewDecision> ReviewDecisions => Set<ReviewDecision>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Publishing.Channel> Channels => Set<Publishing.Channel>();
    public DbSet<Publishing.Publication> Publications => Set<Publishing.Publication>();
    public DbSet<Publishing.Duplicates.VideoFingerprint> VideoFingerprints => Set<Publishing.Duplicates.VideoFingerprint>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(ViralForgeDbContext).Assembly);

        builder.Entity<Video>(e =>
        {
            e.ToTable("videos");
            e.Property(v => v.Title).HasMaxLength(200);
            e.Property(v => v.ScriptJson).HasColumnType("jsonb");
            e.Property(v => v.ParametersJson).HasColumnType("jsonb");
            e.Property(v => v.Status).HasConversion<string>().HasMaxLength(32);
            e.HasIndex(v => v.CreatedAt);
        });

        builder.Entity<StageRun>(e =>
        {
            e.ToTable("stage_runs");
            e.Property(r => r.Stage).HasConversion<string>().HasMaxLength(32);
            e.Property(r => r.Status).HasConversion<string>().HasMaxLength(32);
            e.Property(r => r.ParametersJson).HasColumnType("jsonb");
            e.Property(r => r.InputHash).HasMaxLength(64);
            e.Property(r => r.Worker).HasMaxLength(200);
            e.Property(r => r.JobId).HasMaxLength(64);
            e.HasOne(r => r.Video).WithMany(v => v.StageRuns).HasForeignKey(r => r.VideoId).OnDelete(DeleteBehavior.Cascade);
            // One live run per (video, stage, scene): concurrent completions can never create two.
            e.HasIndex(r => new { r.VideoId, r.Stage, r.SceneIndex })
                .IsUnique()
                .AreNullsDistinct(false)
                .HasFilter("superseded_at IS NULL")
                .HasDatabaseName("ux_stage_runs_live");
            e.HasIndex(r => new { r.Status, r.Stage });
            e.HasIndex(r => new { r.VideoId, r.Stage, r.SceneIndex, r.InputHash });
        });

        builder.Entity<Artifact>(e =>
        {
            e.ToTable("artifacts");
            e.Property(a => a.Kind).HasMaxLength(64);
            e.Property(a => a.StoreKey).HasMaxLength(400);
            e.Property(a => a.UploadedBy).HasMaxLength(256);
            e.HasIndex(a => a.UploadedBy).HasFilter("uploaded_by IS NOT NULL");
            e.HasIndex(a => a.StoreKey);
            e.Property(a => a.ContentType).HasMaxLength(100);
            e.Property(a => a.Sha256).HasMaxLength(64);
            e.Property(a => a.MediaInfoJson).HasColumnType("jsonb");
            e.HasIndex(a => a.VideoId);
        });

        builder.Entity<PromptTemplate>(e =>
        {
            e.ToTable("prompt_templates");
            e.HasIndex(t => t.Name).IsUnique();
            e.HasMany(t => t.Versions).WithOne().HasForeignKey(v => v.TemplateId);
        });
        builder.Entity<PromptVersion>(e =>
        {
            e.ToTable("prompt_versions");
            e.HasIndex(v => new { v.TemplateId, v.Number }).IsUnique();
            e.Property(v => v.ExamplesJson).HasColumnType("jsonb");
        });
        builder.Entity<PromptTestRun>(e =>
        {
            e.ToTable("prompt_test_runs");
            e.Property(r => r.RequestJson).HasColumnType("jsonb");
            e.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.ResultJson).HasColumnType("jsonb");
            e.HasIndex(r => r.VersionId);
        });
        builder.Entity<Pronunciation>(e =>
        {
            e.ToTable("pronunciations");
            e.HasIndex(p => new { p.Term, p.Language }).IsUnique();
        });
        builder.Entity<RateLimitBucket>(e =>
        {
            e.ToTable("rate_limit_buckets");
            e.HasKey(b => b.Key);
        });
        builder.Entity<ReviewDecision>(e =>
        {
            e.ToTable("review_decisions");
            e.Property(d => d.Outcome).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(d => d.VideoId);
        });
        builder.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit_log");
            e.Property(a => a.DetailsJson).HasColumnType("jsonb");
            e.HasIndex(a => a.At);
        });
        builder.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.HasIndex(k => k.KeyHash).IsUnique();
        });
    }
}
