using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.TextToImage;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Bench;

/// <summary>
/// The SD-Turbo pipeline's own cost: time outside ONNX Runtime's Run (tokenizing, noise, the Euler
/// steps, tensor conversions, the decoded picture to bytes) as a share of the whole, on CPU, with
/// stand-in models at SD-Turbo's real tensor shapes (prompt 77×1024, latents 4×112×64 for 512x896)
/// whose UNet runs three 3×3 convolutions on the latents at its first block's width (320 channels) and
/// whose decoder runs three 64-channel ones on the full picture; 1 step, as SD-Turbo is used. The real
/// models run dozens of such layers, so the share measured here is an upper bound.
/// </summary>
internal static class SdTurboBench
{
    public static void Run(string scratch)
    {
        var folder = TinySdTurbo.Write(Path.Combine(scratch, "bench-sdturbo"), convChannels: 320);
        var provider = new OnnxProvider(Options.Create(new GpuOptions()), NullLogger<OnnxProvider>.Instance);
        using var models = new SdTurboModels(folder, provider.CreateSessionOptions);
        var pipeline = new SdTurboPipeline(models);
        const string prompt = "a photo of a cat on a sofa, vertical photo, cinematic lighting, sharp focus, rich detail";
        pipeline.Generate(prompt, 1, 1, SdTurboImageGenerator.DefaultHeight, SdTurboImageGenerator.DefaultWidth, CancellationToken.None); // warm-up

        var shares = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var t = pipeline.Generate(prompt, 2 + i, 1, SdTurboImageGenerator.DefaultHeight, SdTurboImageGenerator.DefaultWidth, CancellationToken.None).Timings;
            shares.Add((t.Total - t.InRun) / t.Total * 100);
            Console.WriteLine($"sd-turbo run {i + 1}: total {t.Total.TotalSeconds:0.000} s, inside Run {t.InRun.TotalSeconds:0.000} s, outside {shares[^1]:0.00} %");
        }
        BenchSupport.Bench("sdturbo_time_outside_run_share", shares.Order().ElementAt(shares.Count / 2), "%", "<=3");
    }
}
