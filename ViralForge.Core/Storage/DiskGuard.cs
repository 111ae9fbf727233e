using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Logging;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Security;

namespace ViralForge.Core.Storage;

/// <summary>A studio-wide setting an admin changes at run time (kept in PostgreSQL, so every node sees it).</summary>
public sealed class StudioSetting
{
    public required string Key { get; set; }
    public required string Value { get; set; }
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    public string? UpdatedBy { get; set; }
}

internal sealed class StudioSettingConfiguration : IEntityTypeConfiguration<StudioSetting>
{
    public void Configure(EntityTypeBuilder<StudioSetting> e)
    {
        e.ToTable("studio_settings");
        e.HasKey(s => s.Key);
        e.Property(s => s.Key).HasMaxLength(100);
        e.Property(s => s.Value).HasMaxLength(2000);
    }
}

/// <summary>Reads and writes <see cref="StudioSetting"/> rows; each change is audited.</summary>
public static class StudioSettings
{
    public static async Task<string?> GetAsync(ViralForgeDbContext db, string key, CancellationToken ct) =>
        await db.Set<StudioSetting>().Where(s => s.Key == key).Select(s => s.Value).SingleOrDefaultAsync(ct);

    public static async Task SetAsync(ViralForgeDbContext db, string key, string value, string actor, string auditAction, CancellationToken ct)
    {
        var row = await db.Set<StudioSetting>().SingleOrDefaultAsync(s => s.Key == key, ct);
        if (row is null)
        {
            db.Add(new StudioSetting { Key = key, Value = value, UpdatedBy = actor });
        }
        else
        {
            (row.Value, row.UpdatedAt, row.UpdatedBy) = (value, DateTimeOffset.UtcNow, actor);
        }
        db.AuditLog.Add(new AuditEntry { Actor = actor, Action = auditAction, Subject = key, DetailsJson = System.Text.Json.JsonSerializer.Serialize(new { value }) });
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>Free space is below the admin's floor: new work waits rather than failing half-way.</summary>
public sealed class DiskFloorException(string message) : PipelineCommandException(message);

public sealed record DiskState(long FreeBytes, long TotalBytes, long FloorBytes)
{
    public bool BelowFloor => FreeBytes < FloorBytes;

    public string Describe() =>
        $"The artifact disk has {Megabytes(FreeBytes)} free, below the floor of {Megabytes(FloorBytes)} set on the Storage page. " +
        "New uploads and runs wait until space is freed: delete or archive videos, or add disk.";

    public static string Megabytes(long bytes) => bytes >= 10L << 30 ? $"{bytes / (double)(1L << 30):0.#} GiB" : $"{bytes / (double)(1 << 20):0} MiB";
}

/// <summary>
/// Measures the artifact disk against the admin-set free-space floor. Uploads and new runs are refused
/// below it with that message, and queued runs wait (they are not failed) until space comes back.
/// </summary>
public sealed class DiskGuard(
    ArtifactStore store,
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    Microsoft.Extensions.Options.IOptions<StorageOptions> options,
    Notifications.Notifier notifier,
    ILogger<DiskGuard> log)
{
    public const string FloorKey = "storage.min-free-megabytes";

    public async Task<DiskState> MeasureAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(store.Root);
        var drive = new DriveInfo(store.Root);
        return new DiskState(drive.AvailableFreeSpace, drive.TotalSize, await FloorMegabytesAsync(ct) << 20);
    }

    public async Task<long> FloorMegabytesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var value = await StudioSettings.GetAsync(db, FloorKey, ct);
        return long.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var mb) && mb >= 0 ? mb : options.Value.MinFreeMegabytes;
    }

    public async Task SetFloorMegabytesAsync(long megabytes, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        if (megabytes is < 0 or > 10_000_000)
        {
            throw new PipelineCommandException("The floor must be between 0 and 10,000,000 MiB.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await StudioSettings.SetAsync(db, FloorKey, megabytes.ToString(System.Globalization.CultureInfo.InvariantCulture), actor, "storage.floor", ct);
    }

    /// <summary>Throws <see cref="DiskFloorException"/> when there is no room for new work.</summary>
    public async Task EnsureRoomAsync(CancellationToken ct)
    {
        var state = await MeasureAsync(ct);
        if (state.BelowFloor)
        {
            log.LogWarning("Refusing new work: {Free} free, floor {Floor}.", DiskState.Megabytes(state.FreeBytes), DiskState.Megabytes(state.FloorBytes));
            await notifier.ToRolesAsync(Notifications.NotificationKind.DiskLow, [],
                "Disk low: new uploads and runs are waiting. Free space on the Storage page.", "/admin/storage", ct);
            throw new DiskFloorException(state.Describe());
        }
    }
}
