using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Worker;
using ViralForge.Gpu.Onnx;
using ViralForge.Core.Clips;

namespace ViralForge.Web.Health;

public sealed class DatabaseHealthCheck(IDbContextFactory<ViralForgeDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
            return pending == 0
                ? HealthCheckResult.Healthy("PostgreSQL reachable, schema up to date.")
                : HealthCheckResult.Degraded($"{pending} migration(s) pending.");
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL unreachable: " + ex.Message);
        }
    }
}

/// <summary>Proves a command-line tool runs (not merely that a file exists) by asking its version.</summary>
public sealed class ToolHealthCheck(string tool, string[] args) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var result = await ProcessRunner.RunAsync(tool, args, TimeSpan.FromSeconds(10), ct);
            var first = (result.StdOut.Length > 0 ? result.StdOut : result.StdErrTail).Split('\n')[0].Trim();
            return result.ExitCode == 0 ? HealthCheckResult.Healthy(first) : HealthCheckResult.Unhealthy($"{tool} exited with {result.ExitCode}: {first}");
        }
        catch (ExternalToolException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}

/// <summary>The local folder (the store, or this machine's copies of a remote store's files) is writable and, with a remote store, the store answers.</summary>
public sealed class ArtifactStoreHealthCheck(Core.Storage.ArtifactStore store, Core.Storage.DiskGuard disk) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var root = store.Root;
        try
        {
            Directory.CreateDirectory(root);
            var probe = Path.Combine(root, $".health-{Guid.NewGuid():N}");
            await File.WriteAllTextAsync(probe, "ok", ct);
            File.Delete(probe);
            if (store.Backend.IsRemote)
            {
                // A key no file has: the answer (not found) proves the store is reachable and lets us in.
                await store.Backend.ExistsAsync($"{Core.Storage.ArtifactStore.KeyPrefix}/00/health-probe", ct);
            }
            var state = await disk.MeasureAsync(ct);
            var where = store.Backend.IsRemote ? $"Artifacts in {store.Backend.Describe} (copies in {root})" : "Artifact store writable";
            return state.BelowFloor
                ? HealthCheckResult.Degraded(state.Describe())
                : HealthCheckResult.Healthy($"{where}, {Core.Storage.DiskState.Megabytes(state.FreeBytes)} free (floor {Core.Storage.DiskState.Megabytes(state.FloorBytes)}).");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"The artifact folder {root} is not writable: {ex.Message}");
        }
        catch (Core.Storage.ArtifactStoreUnavailableException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}

/// <summary>
/// The GPU as it really is: the configured execution provider proven by a probe inference, what video
/// diffusion will do, and the slot. CUDA asked for but unusable is unhealthy, with the reason.
/// </summary>
public sealed class GpuHealthCheck(GpuWorker gpu, OnnxProvider provider, IVideoDiffusion diffusion, Core.Keyframes.Generated.ITextToImage textToImage, Extensions.NodeRole role) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var status = provider.Reprobe();
        var snapshot = gpu.Snapshot();
        var svd = diffusion.Status;
        var data = new Dictionary<string, object>
        {
            ["requested"] = status.Requested,
            ["provider"] = status.InUse,
            ["device"] = status.Device,
            ["videoDiffusion"] = svd.Available ? svd.Engine : "unavailable",
            ["textToImage"] = textToImage.Status is { Available: true } t ? t.Engine : "unavailable",
            ["slotHolder"] = snapshot.Holder?.Purpose ?? "idle",
            ["waiting"] = snapshot.Waiting,
        };
        return Task.FromResult(status.Usable
            ? HealthCheckResult.Healthy($"{status.Detail} {svd.Description} {textToImage.Status.Description}", data)
            // A worker that left the gpu queue for this reason still does its other work: degraded, not down.
            : role.GpuRefused is not null
                ? HealthCheckResult.Degraded(role.GpuRefused, data: data)
                : HealthCheckResult.Unhealthy($"{status.Requested} was asked for and cannot be used: {status.Detail}", data: data));
    }
}

/// <summary>The start-up probe of the ffmpeg build: required filters, hardware accelerators, the encoder in use.</summary>
public sealed class EncoderHealthCheck(FfmpegCapabilities capabilities) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        FfmpegReport report;
        try
        {
            report = await capabilities.WaitAsync(ct);
        }
        catch (Exception ex) when (ex is ExternalToolException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("ffmpeg could not be probed: " + ex.Message);
        }
        var data = new Dictionary<string, object>
        {
            ["encoder"] = report.Encoder.Name,
            ["hardware"] = report.Encoder.IsHardware,
            ["hwaccels"] = report.Hwaccels,
            ["missingFilters"] = report.MissingFilters,
        };
        return report.Usable
            ? HealthCheckResult.Healthy($"{report.Encoder.Name}: {report.Encoder.Reason}", data)
            : HealthCheckResult.Unhealthy($"ffmpeg lacks filters the pipeline needs: {string.Join(", ", report.MissingFilters)}.", data: data);
    }
}
