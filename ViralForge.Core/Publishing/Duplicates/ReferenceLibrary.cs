using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Security;
using ViralForge.Core.Storage;

namespace ViralForge.Core.Publishing.Duplicates;

/// <summary>One piece of content the team must never repost, as the gate knows it.</summary>
public sealed record ReferenceItem(long Id, string Name, bool Uploaded, int Frames, DateTimeOffset AddedAt);

/// <summary>
/// The content the near-duplicate gate holds every new video against: files an admin uploads in the
/// studio (fingerprinted at once; only the fingerprint is kept, never the file) and files put in the
/// configured reference folder (fingerprinted when they appear or change, forgotten when removed).
/// </summary>
public sealed class ReferenceLibrary(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    VideoFingerprinter fingerprinter,
    MediaInspector inspector,
    ArtifactStore store,
    IOptions<DuplicateOptions> options,
    ILogger<ReferenceLibrary> log)
{
    public const long MaxUploadBytes = 2L << 30;
    private const string UploadPrefix = "upload:";
    private static readonly string[] Extensions = [".mp4", ".mov", ".webm", ".mkv", ".png", ".jpg", ".jpeg", ".webp"];

    public string? Folder => string.IsNullOrWhiteSpace(options.Value.ReferenceFolder) ? null : options.Value.ReferenceFolder;

    public async Task<IReadOnlyList<ReferenceItem>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.VideoFingerprints.AsNoTracking().Where(f => f.ReferenceName != null).OrderBy(f => f.ReferenceName)
            .Select(f => new { f.Id, f.ReferenceName, f.ReferenceStamp, Frames = f.Hashes.Length, f.CreatedAt })
            .ToListAsync(ct);
        return [.. rows.Select(r => new ReferenceItem(r.Id, r.ReferenceName!, IsUpload(r.ReferenceStamp), r.Frames, r.CreatedAt))];
    }

    /// <summary>Fingerprints an uploaded file as reference content; the file is read as hostile media and deleted afterwards.</summary>
    public async Task<ReferenceItem> AddAsync(string fileName, Stream content, StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Roles.Admin);
        var name = CleanName(fileName);
        var folder = store.CreateWorkFolder(0, 0);
        try
        {
            var path = Path.Combine(folder, "reference" + Extension(name));
            await CappedFileCopy.SaveAsync(content, path, MaxUploadBytes,
                () => new MediaRejectedException($"The file is larger than {MaxUploadBytes >> 20} MB. A shorter excerpt is enough for the gate."), ct);
            await inspector.InspectAsync(path, ct);
            var frames = await fingerprinter.FingerprintAsync(path, folder, ct);
            if (frames.Count == 0)
            {
                throw new MediaRejectedException("No frame of the file has enough detail to compare (a blank or single-colour picture); choose another file.");
            }
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var taken = await db.VideoFingerprints.Where(f => f.ReferenceName != null && f.ReferenceName.StartsWith(Path.GetFileNameWithoutExtension(name)))
                .Select(f => f.ReferenceName!).ToListAsync(ct);
            var unique = name;
            for (var n = 2; taken.Contains(unique, StringComparer.Ordinal); n++)
            {
                unique = $"{Path.GetFileNameWithoutExtension(name)} ({n}){Path.GetExtension(name)}";
            }
            var row = db.VideoFingerprints.Add(new VideoFingerprint
            {
                ReferenceName = unique, ReferenceStamp = PlatformHttp.Truncate(UploadPrefix + actor, 100), Released = true, Hashes = [.. frames.Select(f => (long)f.Hash)],
            }).Entity;
            db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "reference.add", Subject = unique, DetailsJson = JsonSerializer.Serialize(new { frames = frames.Count }) });
            await db.SaveChangesAsync(ct);
            log.LogInformation("Reference {Name} added by {Actor}: {Frames} frames", unique, actor, frames.Count);
            return new ReferenceItem(row.Id, unique, true, frames.Count, row.CreatedAt);
        }
        catch (ExternalToolException ex)
        {
            throw new MediaRejectedException($"The file could not be read as a video or picture: {ex.Message}");
        }
        finally
        {
            store.DeleteWorkFolder(folder);
        }
    }

    /// <summary>Forgets an uploaded reference; a folder file is forgotten by removing it from the folder.</summary>
    public async Task DeleteAsync(long id, StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.VideoFingerprints.SingleOrDefaultAsync(f => f.Id == id && f.ReferenceName != null, ct)
            ?? throw new KeyNotFoundException($"Reference {id} does not exist.");
        if (!IsUpload(row.ReferenceStamp))
        {
            throw new PipelineCommandException($"“{row.ReferenceName}” comes from the reference folder; remove the file there and it is forgotten at the next check.");
        }
        db.VideoFingerprints.Remove(row);
        db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "reference.delete", Subject = row.ReferenceName });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Reads the reference folder (for the admin's list) in a work folder of its own.</summary>
    public async Task SyncFolderAsync(CancellationToken ct)
    {
        var work = store.CreateWorkFolder(0, 0);
        try
        {
            await SyncFolderAsync(work, ct);
        }
        finally
        {
            store.DeleteWorkFolder(work);
        }
    }

    /// <summary>Fingerprints files added to or changed in the reference folder, and forgets removed ones (uploads are left alone).</summary>
    public async Task SyncFolderAsync(string workFolder, CancellationToken ct)
    {
        if (Folder is not { } folder || !Directory.Exists(folder))
        {
            return;
        }
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .ToDictionary(f => Path.GetRelativePath(folder, f), f =>
            {
                var info = new FileInfo(f);
                return (Path: f, Stamp: $"{info.Length}-{info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)}");
            });
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var saved = await db.VideoFingerprints.Where(f => f.ReferenceName != null).ToListAsync(ct);
        db.VideoFingerprints.RemoveRange(saved.Where(s => !IsUpload(s.ReferenceStamp) && !files.ContainsKey(s.ReferenceName!)));
        foreach (var (name, file) in files)
        {
            var row = saved.FirstOrDefault(s => s.ReferenceName == name);
            if (row?.ReferenceStamp == file.Stamp || IsUpload(row?.ReferenceStamp))
            {
                continue;
            }
            try
            {
                var frames = await fingerprinter.FingerprintAsync(file.Path, workFolder, ct);
                row ??= db.VideoFingerprints.Add(new VideoFingerprint { ReferenceName = name, Released = true }).Entity;
                row.Hashes = [.. frames.Select(f => (long)f.Hash)];
                row.ReferenceStamp = file.Stamp;
            }
            catch (ExternalToolException ex)
            {
                // One unreadable file does not stop the gate; the admin sees it in the log.
                log.LogWarning("Reference file {Name} could not be read: {Reason}", name, ex.Message);
            }
        }
        await db.SaveChangesAsync(ct);
    }

    private static bool IsUpload(string? stamp) => stamp?.StartsWith(UploadPrefix, StringComparison.Ordinal) == true;

    /// <summary>The name shown to reviewers: the file's own name without folders or control characters, capped.</summary>
    private static string CleanName(string fileName)
    {
        var name = new string([.. Path.GetFileName(fileName.Replace('\\', '/')).Where(c => !char.IsControl(c) && char.GetUnicodeCategory(c) != UnicodeCategory.Format)]).Trim();
        if (name.Length == 0)
        {
            name = "reference";
        }
        return name.Length > 200 ? name[..150] + Extension(name) : name;
    }

    private static string Extension(string name)
    {
        var ext = Path.GetExtension(name).ToLowerInvariant();
        return Extensions.Contains(ext) ? ext : ".bin";
    }
}
