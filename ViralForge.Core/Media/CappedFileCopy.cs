namespace ViralForge.Core.Media;

/// <summary>
/// Writes an uploaded stream to a new file and stops the moment it passes a size limit, so an upload
/// larger than allowed never fills the disk before it is refused.
/// </summary>
public static class CappedFileCopy
{
    private const int BufferBytes = 1 << 16;

    /// <param name="tooLarge">The error to raise once <paramref name="maxBytes"/> is passed.</param>
    public static async Task<long> SaveAsync(Stream content, string path, long maxBytes, Func<Exception> tooLarge, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferBytes, useAsync: true);
        var buffer = new byte[BufferBytes];
        long total = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, ct)) > 0)
        {
            if ((total += read) > maxBytes)
            {
                throw tooLarge();
            }
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        return total;
    }
}
