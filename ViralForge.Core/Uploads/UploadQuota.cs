using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Storage;
using ViralForge.Core.Security;

namespace ViralForge.Core.Uploads;

/// <summary>The uploader's files would pass their quota; nothing of the upload is kept.</summary>
public sealed class UploadQuotaException(string message) : PipelineCommandException(message);

public sealed record UploaderUsage(string Uploader, int Files, long Bytes);

/// <param name="QuotaBytes">0: no limit.</param>
public sealed record QuotaState(long UsedBytes, long QuotaBytes)
{
    public bool Limited => QuotaBytes > 0;

    /// <summary>Bytes this uploader may still add (long.MaxValue without a limit).</summary>
    public long LeftBytes => Limited ? Math.Max(0, QuotaBytes - UsedBytes) : long.MaxValue;

    public string Describe() =>
        $"Your uploads take {DiskState.Megabytes(UsedBytes)} of your {DiskState.Megabytes(QuotaBytes)} upload quota. " +
        "Uploads replaced by newer ones are freed after the retention period; an admin can raise the quota on the Storage page.";
}

/// <summary>
/// What each uploader's files may take in the store: the bytes of the uploads still kept (an upload a
/// newer one replaced counts until the collector frees it). Set by admins at run time; one person
/// cannot fill the disk every other person's work needs.
/// </summary>
public sealed class UploadQuota(IDbContextFactory<ViralForgeDbContext> dbFactory, IOptions<StorageOptions> options)
{
    public const string QuotaKey = "storage.upload-quota-megabytes";

    public async Task<long> QuotaMegabytesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var value = await StudioSettings.GetAsync(db, QuotaKey, ct);
        return long.TryParse(value, CultureInfo.InvariantCulture, out var mb) && mb >= 0 ? mb : options.Value.UploadQuotaMegabytes;
    }

    public async Task SetQuotaMegabytesAsync(long megabytes, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        if (megabytes is < 0 or > 10_000_000)
        {
            throw new PipelineCommandException("The upload quota must be between 0 (no limit) and 10,000,000 MiB.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await StudioSettings.SetAsync(db, QuotaKey, megabytes.ToString(CultureInfo.InvariantCulture), actor, "storage.upload-quota", ct);
    }

    public async Task<QuotaState> StateAsync(string uploader, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var used = await db.Artifacts.Where(a => a.UploadedBy == uploader).SumAsync(a => (long?)a.Bytes, ct) ?? 0;
        return new QuotaState(used, await QuotaMegabytesAsync(ct) << 20);
    }

    public async Task<IReadOnlyList<UploaderUsage>> UsageAsync(int take, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Artifacts.AsNoTracking().Where(a => a.UploadedBy != null)
            .GroupBy(a => a.UploadedBy!)
            .Select(g => new { Uploader = g.Key, Files = g.Count(), Bytes = g.Sum(a => a.Bytes) })
            .OrderByDescending(u => u.Bytes)
            .Take(take)
            .ToListAsync(ct);
        return rows.Select(r => new UploaderUsage(r.Uploader, r.Files, r.Bytes)).ToList();
    }
}
