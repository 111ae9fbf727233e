using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.Svd;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Bench;

/// <summary>
/// The SVD pipeline's own cost: time outside ONNX Runtime's Run (sampler maths, tensor copies, guidance)
/// as a share of the whole, on CPU, with stand-in models at SVD's real tensor shapes (576x1024, 14 frames,
/// latents 72x128) whose UNet does three 32-channel 3×3 convolutions per frame, 25 steps. Real weights make Run far heavier,
/// so the share measured here is an upper bound.
/// </summary>
internal static class SvdBench
{
    public static void Run(string scratch)
    {
        var folder = TinySvdModels.Write(Path.Combine(scratch, "bench-svd"), latentHeight: 128, latentWidth: 72, convChannels: 32);
        var provider = new OnnxProvider(Options.Create(new GpuOptions()), NullLogger<OnnxProvider>.Instance);
        using var models = new SvdModels(folder, provider.CreateSessionOptions);
        const int height = 1024, width = 576;
        var image = new byte[height * width * 3];
        new Random(1).NextBytes(image);
        var clip = new byte[SvdPipeline.ClipSize * SvdPipeline.ClipSize * 3];
        var parameters = new SvdParameters(Seed: 3, Frames: 14, Steps: 25);
        var pipeline = new SvdPipeline(models);
        pipeline.Generate(image, height, width, clip, parameters, null, CancellationToken.None); // warm-up: buffers, ORT arenas

        var shares = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var t = pipeline.Generate(image, height, width, clip, parameters, null, CancellationToken.None).Timings;
            shares.Add((t.Total - t.InRun) / t.Total * 100);
            Console.WriteLine($"svd run {i + 1}: total {t.Total.TotalSeconds:0.000} s, inside Run {t.InRun.TotalSeconds:0.000} s, outside {shares[^1]:0.00} %");
        }
        BenchSupport.Bench("svd_time_outside_run_share", shares.Order().ElementAt(shares.Count / 2), "%", "<=3");
    }
}
