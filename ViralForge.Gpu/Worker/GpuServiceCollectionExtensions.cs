using Microsoft.Extensions.DependencyInjection;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Voices;

namespace ViralForge.Gpu.Worker;

public static class GpuServiceCollectionExtensions
{
    public static IServiceCollection AddViralForgeGpu(this IServiceCollection services)
    {
        services.AddSingleton<GpuWorker>();
        services.AddSingleton<IGpuSlot>(sp => sp.GetRequiredService<GpuWorker>());
        services.AddSingleton<PiperSpeechEngine>();
        services.AddSingleton<ISpeechEngine>(sp => sp.GetRequiredService<PiperSpeechEngine>());
        return services;
    }
}
