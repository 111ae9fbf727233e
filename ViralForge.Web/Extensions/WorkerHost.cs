using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ViralForge.Core.Data;
using ViralForge.Core.Extensions;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Worker;
using ViralForge.Web.Health;

namespace ViralForge.Web.Extensions;

/// <summary>
/// The headless worker: the same build, no UI, no sign-in; a Hangfire server on its queues, the worker
/// registry, and /health (anonymous: orchestrators probe it; it says what the node serves and whether its
/// tools and GPU work, nothing more). Shutdown waits for running stages to finish or hand their runs back.
/// </summary>
public static class WorkerHost
{
    public static WebApplicationBuilder AddViralForgeWorker(this WebApplicationBuilder builder, NodeRole role)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var connectionString = configuration.ConnectionString();
        services.AddViralForgeCore(configuration, connectionString);
        services.AddViralForgeGpu();
        services.AddViralForgeHangfire(configuration, connectionString, role);
        services.AddNodeServices(role);
        services.AddStudioDataProtection();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(35));
        services.AddStudioHealthChecks(configuration);
        return builder;
    }

    public static WebApplication UseViralForgeWorker(this WebApplication app)
    {
        app.MapGet("/health/live", () => Results.Text("alive"));
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WebExtensions.WriteHealthAsync });
        return app;
    }

    /// <summary>Role, identity and the registry: every node, studio or worker, reports itself.</summary>
    public static IServiceCollection AddNodeServices(this IServiceCollection services, NodeRole role)
    {
        services.AddSingleton(role);
        services.AddSingleton(sp => role.Identity(sp));
        services.AddHostedService<WorkerRegistry>();
        return services;
    }

    /// <summary>
    /// The key ring in PostgreSQL, so every studio and worker on any machine reads the same keys (sign-in
    /// cookies, channel and webhook secrets); keys an earlier release kept in a folder are imported once.
    /// </summary>
    public static IServiceCollection AddStudioDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection()
            .SetApplicationName("ViralForge")
            .PersistKeysToDbContext<ViralForgeDbContext>();
        return services;
    }

    /// <summary>Where releases before the keys moved to PostgreSQL kept them.</summary>
    public static string LegacyKeysFolder(IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(storage.ArtifactsPath))!, "keys");
    }

    public static IServiceCollection AddStudioHealthChecks(this IServiceCollection services, IConfiguration configuration)
    {
        var media = configuration.GetSection(MediaOptions.Section).Get<MediaOptions>() ?? new MediaOptions();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddTypeActivatedCheck<ToolHealthCheck>("ffmpeg", media.FfmpegPath, new[] { "-hide_banner", "-version" })
            .AddTypeActivatedCheck<ToolHealthCheck>("espeak-ng", media.EspeakPath, new[] { "--version" })
            .AddCheck<ArtifactStoreHealthCheck>("artifact-store")
            .AddCheck<GpuHealthCheck>("gpu")
            .AddCheck<EncoderHealthCheck>("encoder")
            .AddCheck<NodeHealthCheck>("node");
        return services;
    }
}

/// <summary>What this node serves; degraded when it was asked for GPU work it cannot do.</summary>
public sealed class NodeHealthCheck(NodeRole role) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var data = new Dictionary<string, object> { ["role"] = role.Kind, ["queues"] = string.Join(",", role.Queues.Order()), ["name"] = NodeIdentity.Name };
        var serves = $"{role.Kind} serving {(role.Queues.Count == 0 ? "no queues" : string.Join(", ", role.Queues.Order()))}.";
        return Task.FromResult(role.GpuRefused is { } why
            ? HealthCheckResult.Degraded($"{serves} {why}", data: data)
            : HealthCheckResult.Healthy(serves, data));
    }
}
