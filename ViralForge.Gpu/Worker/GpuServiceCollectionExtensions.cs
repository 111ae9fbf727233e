using Microsoft.Extensions.DependencyInjection;
using ViralForge.Core.Pipeline;

namespace ViralForge.Gpu.Worker;

public static class GpuServiceCollectionExtensions
{
    public static IServiceCollection AddViralForgeGpu(this IServiceCollection services)
    {
        services.AddSingleton<GpuWorker>();
        services.AddSingleton<IGpuSlot>(sp => sp.GetRequiredService<GpuWorker>());
        return services;
    }
}
