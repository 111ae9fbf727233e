using System.Runtime.CompilerServices;

namespace ViralForge.Core.Storage;

/// <summary>The artifact folder on this machine: the stored files are the local copies.</summary>
public sealed class LocalArtifactBackend(string root) : IArtifactBackend
{
    public string Root { get; } = Path.GetFullPath(root);

    public string Describe => $"the local folder {Root}";

    public bool IsRemote => false;

    // The store writes committed files straight into the root; nothing to send.
    public Task PutAsync(string key, string localFile, string contentType, CancellationToken ct) => Task.CompletedTask;

    public Task<bool> ExistsAsync(string key, CancellationToken ct) => Task.FromResult(File.Exists(ArtifactStore.PathUnder(Root, key)));

    public Task<long?> LengthAsync(string key, CancellationToken ct) =>
        Task.FromResult(new FileInfo(ArtifactStore.PathUnder(Root, key)) is { Exists: true } file ? file.Length : (long?)null);

    public Task FetchAsync(string key, string targetFile, CancellationToken ct)
    {
        var path = ArtifactStore.PathUnder(Root, key);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{key} is not in {Describe}.", path);
        }
        if (!string.Equals(Path.GetFullPath(targetFile), path, StringComparison.Ordinal))
        {
            File.Copy(path, targetFile, overwrite: true);
        }
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(ArtifactStore.PathUnder(Root, key));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredObject> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        if (!Directory.Exists(Root))
        {
            yield break;
        }
        foreach (var file in new DirectoryInfo(Root).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            if (file.Name.StartsWith('.') || file.Extension == ".part")
            {
                continue;
            }
            yield return new StoredObject(Path.GetRelativePath(Root, file.FullName).Replace(Path.DirectorySeparatorChar, '/'), file.Length, file.LastWriteTimeUtc);
        }
    }

    public Task<Uri?> BrowserUrlAsync(string key, string contentType, TimeSpan lifetime, CancellationToken ct) => Task.FromResult<Uri?>(null);
}
