using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Storage;

/// <summary>
/// Artifacts addressed by content hash, kept by a backend (the local folder, or an S3-compatible
/// bucket). Stages read and write local files: with a remote backend this machine keeps a cache of
/// copies under the same keys, filled on first use and checked against the hash in the key.
/// </summary>
public sealed class ArtifactStore(IOptions<StorageOptions> options, IArtifactBackend backend)
{
    public const string KeyPrefix = "sha256";

    private readonly string _root = backend is LocalArtifactBackend local ? local.Root : Path.GetFullPath(options.Value.CachePath);
    private readonly string _work = Path.GetFullPath(options.Value.WorkPath);
    private readonly long _cacheBytes = options.Value.CacheMegabytes * 1024 * 1024;
    private long _lastTrimTicks;

    /// <summary>Where this machine's copies of stored files are (the store itself when it is the local folder).</summary>
    public string Root => _root;

    public string WorkRoot => _work;

    public IArtifactBackend Backend => backend;

    /// <summary>A fresh scratch folder for one attempt of one run, on the same filesystem as the store when possible.</summary>
    public string CreateWorkFolder(long runId, int attempt)
    {
        var path = Path.Combine(_work, $"{runId}-{attempt}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Where the local copy of <paramref name="storeKey"/> is or will be; see <see cref="LocalPathAsync"/>.</summary>
    public string PathFor(string storeKey) => PathUnder(_root, storeKey);

    public static string PathUnder(string root, string storeKey)
    {
        var full = Path.GetFullPath(Path.Combine(root, storeKey));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Store key escapes the artifact root.");
        }
        return full;
    }

    /// <summary>
    /// Copies a finished file into the store under its content hash and describes it; the caller records
    /// the row. Identical content is stored once: a second row names the same key (a reviewer's pick, a
    /// re-run that made the same bytes), and the file is only freed when no row names it any more.
    /// </summary>
    public async Task<Artifact> CommitAsync(Guid videoId, string kind, string sourceFile, string contentType, CancellationToken ct)
    {
        Directory.CreateDirectory(_root);
        // Hashed while copied (one read); a unique temp name, since two runs may write the same bytes at once.
        var temp = Path.Combine(_root, $".{Guid.NewGuid():N}.part");
        string sha;
        long bytes;
        try
        {
            await using (var source = new FileStream(sourceFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
            await using (var dest = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await dest.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                await dest.FlushAsync(ct);
                dest.Flush(flushToDisk: !backend.IsRemote);
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
                bytes = dest.Length;
            }
            var key = KeyFor(sha, Path.GetExtension(sourceFile));
            var target = PathFor(key);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (File.Exists(target) && new FileInfo(target).Length == bytes)
            {
                // Already stored: mark it fresh so the orphan sweep leaves it while this row is being recorded.
                File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
            }
            else
            {
                File.Move(temp, target, overwrite: true);
            }
            // An object of another size under this address is what a worker killed mid-upload left
            // behind: stored again, or every later reader would find it corrupt.
            if (backend.IsRemote && await backend.LengthAsync(key, ct) != bytes)
            {
                // The local file stays as this machine's copy: the next stage here reads it without a fetch.
                await backend.PutAsync(key, target, contentType, ct);
            }
            return new Artifact
            {
                Id = Guid.NewGuid(),
                VideoId = videoId,
                Kind = kind,
                StoreKey = key,
                ContentType = contentType,
                Sha256 = sha,
                Bytes = bytes,
            };
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The content address: the hash, fanned out by its first two digits so no folder grows huge.</summary>
    public static string KeyFor(string sha256, string extension)
    {
        var ext = extension.Length is > 1 and <= 8 && extension.Skip(1).All(char.IsAsciiLetterOrDigit) ? extension.ToLowerInvariant() : "";
        return $"{KeyPrefix}/{sha256[..2]}/{sha256}{ext}";
    }

    /// <summary>The hash a content-addressed key names, or null for a key of another shape.</summary>
    public static string? HashIn(string key) =>
        key.StartsWith(KeyPrefix + "/", StringComparison.Ordinal) && Path.GetFileNameWithoutExtension(key) is { Length: 64 } sha ? sha : null;

    /// <summary>
    /// The local copy of a stored file, fetched from a remote store on first use and checked against its
    /// content address. Throws <see cref="FileNotFoundException"/> when the store does not have it.
    /// </summary>
    public async Task<string> LocalPathAsync(string key, CancellationToken ct)
    {
        var path = PathFor(key);
        if (File.Exists(path))
        {
            if (backend.IsRemote)
            {
                // Recently used copies are the last the cache lets go.
                TryTouch(path);
            }
            return path;
        }
        if (!backend.IsRemote)
        {
            throw new FileNotFoundException($"{key} is not in {backend.Describe}.", path);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(_root, $".{Guid.NewGuid():N}.part");
        try
        {
            await backend.FetchAsync(key, temp, ct);
            if (HashIn(key) is { } expected && await Sha256Async(temp, ct) != expected)
            {
                throw new StoredFileCorruptException($"The stored copy of {key} in {backend.Describe} does not match its hash; it was changed or damaged in the store. Run the stage that made it again.");
            }
            File.Move(temp, path, overwrite: true);
            return path;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Like <see cref="LocalPathAsync"/>, but null when the store does not have the file.</summary>
    public async Task<string?> TryLocalPathAsync(string key, CancellationToken ct)
    {
        try
        {
            return await LocalPathAsync(key, ct);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Fetches every key this machine has no copy of yet (a run's inputs, before the handler reads them).</summary>
    public async Task EnsureLocalAsync(IEnumerable<string> keys, CancellationToken ct)
    {
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            await LocalPathAsync(key, ct);
        }
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct) =>
        backend.IsRemote ? backend.ExistsAsync(key, ct) : Task.FromResult(File.Exists(PathFor(key)));

    /// <summary>True when every key names a stored file.</summary>
    public async Task<bool> AllPresentAsync(IEnumerable<string> keys, CancellationToken ct)
    {
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            if (!await ExistsAsync(key, ct))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Removes a stored file and this machine's copy of it.</summary>
    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        await backend.DeleteAsync(key, ct);
        if (backend.IsRemote)
        {
            File.Delete(PathFor(key));
        }
    }

    /// <summary>An address the browser can read the file from directly, when the store allows it.</summary>
    public Task<Uri?> BrowserUrlAsync(Artifact artifact, CancellationToken ct) =>
        backend.BrowserUrlAsync(artifact.StoreKey, artifact.ContentType, TimeSpan.FromHours(1), ct);

    /// <summary>
    /// With a remote store, lets go of the least recently used copies once the cache passes its size
    /// (never one used in the last ten minutes: a run may be reading it). At most once a minute.
    /// </summary>
    public void TrimCache()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastTrimTicks);
        if (!backend.IsRemote || !Directory.Exists(_root) || (last != 0 && now - last < 60_000)
            || Interlocked.CompareExchange(ref _lastTrimTicks, now, last) != last)
        {
            return;
        }
        var files = new DirectoryInfo(_root).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => f.Extension != ".part").OrderBy(f => f.LastWriteTimeUtc).ToList();
        var total = files.Sum(f => f.Length);
        var keep = DateTime.UtcNow.AddMinutes(-10);
        foreach (var file in files.TakeWhile(f => f.LastWriteTimeUtc < keep))
        {
            if (total <= _cacheBytes)
            {
                break;
            }
            try
            {
                var size = file.Length;
                file.Delete();
                total -= size;
            }
            catch (IOException)
            {
            }
        }
    }

    public static async Task<string> Sha256Async(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    public void DeleteWorkFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Scratch space only; a leftover folder is harmless.
        }
    }

    private static void TryTouch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (IOException)
        {
        }
    }
}
