using Microsoft.Extensions.DependencyInjection;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Voices;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.Svd;
using ViralForge.Core.Clips;

namespace ViralForge.Gpu.Worker;

public static class GpuServiceCollectionExtensions
{
    public static IServiceCollection AddViralForgeGpu(this IServiceCollection services)
    {
        services.AddSingleton<GpuWorker>();
        services.AddSingleton<IGpuSlot>(sp => sp.GetRequiredService<GpuWorker>());
        services.AddOptions<GpuOptions>().BindConfiguration(GpuOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OnnxProvider>();
        services.AddHostedService<OnnxProviderWarmup>();
        services.AddSingleton<SvdClipGenerator>();
        services.AddSingleton<IVideoDiffusion>(sp => sp.GetRequiredService<SvdClipGenerator>());
        services.AddSingleton<TextToImage.SdTurboImageGenerator>();
        services.AddSingleton<Core.Keyframes.Generated.ITextToImage>(sp => sp.GetRequiredService<TextToImage.SdTurboImageGenerator>());
        services.AddSingleton<PiperSpeechEngine>();
        services.AddSingleton<ISpeechEngine>(sp => sp.GetRequiredService<PiperSpeechEngine>());
        services.AddSingleton<KokoroSpeechEngine>();
        services.AddSingleton<ISpeechEngine>(sp => sp.GetRequiredService<KokoroSpeechEngine>());
        return services;
    }
}
