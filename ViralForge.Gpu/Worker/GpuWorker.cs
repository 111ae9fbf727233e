using Microsoft.Extensions.Logging;
using ViralForge.Core.Pipeline;

namespace ViralForge.Gpu.Worker;

public sealed record GpuSlotHolder(string Purpose, long StageRunId, DateTimeOffset Since);

public sealed record GpuSnapshot(GpuSlotHolder? Holder, int Waiting);

/// <summary>
/// The in-process GPU worker's single slot: SVD inference and the final encode take it one at a
/// time, in arrival order; everything else never waits on it.
/// </summary>
public sealed class GpuWorker(TimeProvider time, ILogger<GpuWorker> log) : IGpuSlot, IDisposable
{
    private readonly SemaphoreSlim _slot = new(1, 1);
    private int _waiting;
    private GpuSlotHolder? _holder;

    public int Waiting => Volatile.Read(ref _waiting);

    public GpuSnapshot Snapshot() => new(_holder, Volatile.Read(ref _waiting));

    public async ValueTask<IAsyncDisposable> AcquireAsync(string purpose, long stageRunId, CancellationToken ct)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _slot.WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        _holder = new GpuSlotHolder(purpose, stageRunId, time.GetUtcNow());
        log.LogDebug("GPU slot taken for {Purpose} (run {RunId}).", purpose, stageRunId);
        return new Release(this);
    }

    public void Dispose() => _slot.Dispose();

    private sealed class Release(GpuWorker owner) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner._holder = null;
                owner._slot.Release();
            }
            return ValueTask.CompletedTask;
        }
    }
}
