namespace ViralForge.Core.Storage;

/// <summary>An object in the backing store: its key, size and when it was last written.</summary>
public sealed record StoredObject(string Key, long Bytes, DateTime LastModifiedUtc);

/// <summary>
/// Where stored files live for good: the local folder (one machine) or an S3-compatible bucket
/// (several). Keys are content addresses, so an object never changes once written.
/// </summary>
public interface IArtifactBackend
{
    /// <summary>Says where files are kept, for the Storage page and error messages.</summary>
    string Describe { get; }

    /// <summary>False when stored files are already the local copies (nothing to upload or fetch).</summary>
    bool IsRemote { get; }

    /// <summary>Stores <paramref name="localFile"/> under <paramref name="key"/>; the store checks what it received.</summary>
    Task PutAsync(string key, string localFile, string contentType, CancellationToken ct);

    Task<bool> ExistsAsync(string key, CancellationToken ct);

    /// <summary>The stored object's size, or null when it is not stored.</summary>
    Task<long?> LengthAsync(string key, CancellationToken ct);

    /// <summary>Writes the object's bytes to <paramref name="targetFile"/>; throws <see cref="FileNotFoundException"/> when it is not stored.</summary>
    Task FetchAsync(string key, string targetFile, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>Every stored object under the content-address prefix.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(CancellationToken ct);

    /// <summary>A time-limited address the browser may read (ranges included), or null where the browser cannot reach the store.</summary>
    Task<Uri?> BrowserUrlAsync(string key, string contentType, TimeSpan lifetime, CancellationToken ct);
}

/// <summary>The store could not be reached or refused a request; the run that needed it is retried.</summary>
public sealed class ArtifactStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A stored file's bytes no longer match its content address.</summary>
public sealed class StoredFileCorruptException(string message) : Exception(message);
