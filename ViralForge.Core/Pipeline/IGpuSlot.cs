namespace ViralForge.Core.Pipeline;

/// <summary>
/// The single GPU slot: SVD inference and the final encode hold it one at a time. Implemented by
/// the in-process GPU worker; a remote worker would be the second implementation.
/// </summary>
public interface IGpuSlot
{
    ValueTask<IAsyncDisposable> AcquireAsync(string purpose, long stageRunId, CancellationToken ct);

    /// <summary>How many are waiting for the slot now.</summary>
    int Waiting { get; }
}
