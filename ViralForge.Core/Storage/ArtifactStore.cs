using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Storage;

/// <summary>Artifacts on the local filesystem, written atomically (temp file, fsync, rename) and addressed by key.</summary>
public sealed class ArtifactStore(IOptions<StorageOptions> options)
{
    private readonly string _root = Path.GetFullPath(options.Value.ArtifactsPath);
    private readonly string _work = Path.GetFullPath(options.Value.WorkPath);

    public string Root => _root;

    public string WorkRoot => _work;

    /// <summary>A fresh scratch folder for one attempt of one run, on the same filesystem as the store when possible.</summary>
    public string CreateWorkFolder(long runId, int attempt)
    {
        var path = Path.Combine(_work, $"{runId}-{attempt}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public string PathFor(string storeKey)
    {
        var full = Path.GetFullPath(Path.Combine(_root, storeKey));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
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
                dest.Flush(flushToDisk: true);
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
        return $"sha256/{sha256[..2]}/{sha256}{ext}";
    }

    /// <summary>True when every key names a file in the store.</summary>
    public bool AllPresent(IEnumerable<string> keys) => keys.All(k => File.Exists(PathFor(k)));

    public static async Task<string> Sha256Async(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    /// <summary>True when the artifact's file is present and its content still matches the recorded hash.</summary>
    public async Task<bool> VerifyAsync(Artifact artifact, CancellationToken ct)
    {
        var path = PathFor(artifact.StoreKey);
        return File.Exists(path) && await Sha256Async(path, ct) == artifact.Sha256;
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
}
