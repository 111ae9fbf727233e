namespace ViralForge.Core.Publishing;

/// <summary>
/// The file chunk by chunk, reading the next chunk while the current one is sent, so the disk and
/// the network work at the same time. A chunk the platform took only part of is read again from
/// where it stopped.
/// </summary>
public sealed class FileChunkReader(string path, int size, long total) : IAsyncDisposable
{
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _file = File.OpenHandle(path, options: FileOptions.Asynchronous);
    private readonly byte[][] _buffers = [new byte[size], new byte[size]];
    private int _current;
    private (long Offset, Task<int> Read)? _ahead;

    public async Task<ReadOnlyMemory<byte>> ReadAsync(long offset, CancellationToken ct)
    {
        int length;
        if (_ahead is { } ahead && ahead.Offset == offset)
        {
            _current ^= 1;
            length = await ahead.Read;
        }
        else
        {
            await SettleAsync();
            length = await FillAsync(_buffers[_current], offset, ct);
        }
        _ahead = null;
        var next = offset + length;
        if (next < total)
        {
            _ahead = (next, FillAsync(_buffers[_current ^ 1], next, ct));
        }
        return _buffers[_current].AsMemory(0, length);
    }

    private async Task<int> FillAsync(byte[] buffer, long offset, CancellationToken ct)
    {
        var length = (int)Math.Min(buffer.Length, total - offset);
        for (var read = 0; read < length;)
        {
            var n = await RandomAccess.ReadAsync(_file, buffer.AsMemory(read, length - read), offset + read, ct);
            read += n > 0 ? n : throw new IOException($"The file ended at {offset + read} bytes; {total} were expected.");
        }
        return length;
    }

    /// <summary>A read ahead that will not be used still owns its buffer until it ends.</summary>
    private async Task SettleAsync()
    {
        if (_ahead is { } ahead)
        {
            _ahead = null;
            try
            {
                await ahead.Read;
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await SettleAsync();
        _file.Dispose();
    }
}
