using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ViralForge.Core.Data;

namespace ViralForge.Core.Storage;

public sealed record KindBytes(string Kind, int Files, long Bytes);

public sealed record VideoBytes(Guid VideoId, string Title, int Files, long Bytes);

/// <param name="ArtifactBytes">What the artifacts add up to, each counted where it is used.</param>
/// <param name="StoredBytes">What they take in the store: identical content is stored once.</param>
/// <param name="Store">Where stored files are kept (the local folder or a bucket).</param>
/// <param name="CacheBytes">With a remote store: this machine's copies; null when the store is the local folder.</param>
public sealed record StorageSummary(DiskState Disk, long ArtifactBytes, long StoredBytes, long WorkBytes, IReadOnlyList<KindBytes> ByKind, IReadOnlyList<VideoBytes> LargestVideos,
    string Store, long? CacheBytes);

/// <summary>What the artifact store holds, by kind and by video, beside the disk's free space and floor.</summary>
public sealed class StorageReport(IDbContextFactory<ViralForgeDbContext> dbFactory, DiskGuard disk, ArtifactStore store)
{
    public async Task<StorageSummary> SummarizeAsync(int videos, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var kinds = await db.Artifacts.AsNoTracking()
            .GroupBy(a => a.Kind)
            .Select(g => new KindBytes(g.Key, g.Count(), g.Sum(a => a.Bytes)))
            .ToListAsync(ct);
        // Candidates are numbered ("clip-candidate-3"): count them as one kind.
        var byKind = kinds
            .GroupBy(k => k.Kind.IndexOf("-candidate-", StringComparison.Ordinal) is var i and > 0 ? k.Kind[..i] + "-candidate" : k.Kind)
            .Select(g => new KindBytes(g.Key, g.Sum(k => k.Files), g.Sum(k => k.Bytes)))
            .OrderByDescending(k => k.Bytes)
            .ToList();
        var largest = await db.Artifacts.AsNoTracking()
            .GroupBy(a => a.VideoId)
            .Select(g => new { VideoId = g.Key, Files = g.Count(), Bytes = g.Sum(a => a.Bytes) })
            .OrderByDescending(v => v.Bytes)
            .Take(videos)
            .Join(db.Videos.AsNoTracking(), v => v.VideoId, v => v.Id, (v, video) => new VideoBytes(v.VideoId, video.Title, v.Files, v.Bytes))
            .ToListAsync(ct);
        var stored = await db.Database
            .SqlQueryRaw<long>("SELECT coalesce(sum(bytes), 0)::bigint AS \"Value\" FROM (SELECT DISTINCT ON (store_key) bytes FROM artifacts) s")
            .SingleAsync(ct);
        return new StorageSummary(await disk.MeasureAsync(ct), byKind.Sum(k => k.Bytes), stored, FolderBytes(store.WorkRoot), byKind, largest,
            store.Backend.Describe, store.Backend.IsRemote ? FolderBytes(store.Root) : null);
    }

    internal static long FolderBytes(string folder)
    {
        try
        {
            return Directory.Exists(folder)
                ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
                : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

/// <summary>
/// At start-up, scratch folders and half-written store files left by a killed process are removed.
/// Only those older than an hour: another process on this machine may be working in a fresh one.
/// </summary>
public sealed class StartupSweep(ArtifactStore store, TimeProvider time, ILogger<StartupSweep> log) : IHostedService
{
    public static readonly TimeSpan MinAge = TimeSpan.FromHours(1);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var (folders, parts, bytes) = Sweep(store.WorkRoot, store.Root, time.GetUtcNow().UtcDateTime - MinAge);
        if (folders + parts > 0)
        {
            log.LogInformation("Start-up sweep removed {Folders} stale work folders and {Parts} partial files ({Bytes} bytes).", folders, parts, bytes);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static (int Folders, int Parts, long Bytes) Sweep(string workRoot, string artifactRoot, DateTime olderThanUtc)
    {
        var (folders, parts, bytes) = (0, 0, 0L);
        if (Directory.Exists(workRoot))
        {
            foreach (var folder in new DirectoryInfo(workRoot).EnumerateDirectories().Where(d => d.LastWriteTimeUtc < olderThanUtc))
            {
                try
                {
                    var size = StorageReport.FolderBytes(folder.FullName);
                    folder.Delete(recursive: true);
                    (folders, bytes) = (folders + 1, bytes + size);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Still in use or not ours: the next start tries again.
                }
            }
        }
        if (Directory.Exists(artifactRoot))
        {
            foreach (var part in new DirectoryInfo(artifactRoot).EnumerateFiles("*.part", SearchOption.AllDirectories).Where(f => f.LastWriteTimeUtc < olderThanUtc))
            {
                try
                {
                    var size = part.Length;
                    part.Delete();
                    (parts, bytes) = (parts + 1, bytes + size);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
        return (folders, parts, bytes);
    }
}
