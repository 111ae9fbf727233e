using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ViralForge.Core.Storage;

/// <summary>At start-up, makes sure the bucket is there; a store that is not up yet is logged, not fatal (runs retry).</summary>
public sealed class BucketSetup(IArtifactBackend backend, ILogger<BucketSetup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (backend is not S3ArtifactBackend s3)
        {
            return;
        }
        try
        {
            await s3.EnsureBucketAsync(cancellationToken);
        }
        catch (ArtifactStoreUnavailableException ex)
        {
            log.LogWarning("Artifact store not ready at start-up: {Message}", ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
