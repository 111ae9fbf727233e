using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using ViralForge.Core.Clips;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.Svd;
using ViralForge.Gpu.Worker;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Gpu;

public sealed class SvdPipelineTests
{
    private static OnnxProvider Provider(string kind = "cpu") =>
        new(Options.Create(new GpuOptions { ExecutionProvider = kind }), NullLogger<OnnxProvider>.Instance);

    private static (byte[] Image, byte[] Clip) Picture(int width, int height)
    {
        var image = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 3;
                image[i] = (byte)(40 + x * 100 / width);
                image[i + 1] = (byte)(40 + y * 100 / height);
                image[i + 2] = (byte)((x / 8 + y / 8) % 2 == 0 ? 60 : 90);
            }
        }
        return (image, Enumerable.Repeat((byte)128, SvdPipeline.ClipSize * SvdPipeline.ClipSize * 3).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_pipeline_samples_with_rising_guidance_and_decodes_every_frame(bool fp16Unet)
    {
        var folder = TinySvdModels.Write(TestEnvironment.NewFolder("svd"), fp16Unet);
        using var models = new SvdModels(folder, Provider().CreateSessionOptions);
        Assert.Equal((TinySvdModels.LatentHeight, TinySvdModels.LatentWidth), models.FixedLatentSize);
        int height = TinySvdModels.LatentHeight * 8, width = TinySvdModels.LatentWidth * 8;
        var (image, clip) = Picture(width, height);
        var steps = new List<int>();

        var frames = new SvdPipeline(models).Generate(image, height, width, clip,
            new SvdParameters(Seed: 7, Frames: 6, Steps: 10, NoiseAugmentation: 0), new InlineProgress(steps.Add), CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, 10), steps);
        Assert.Equal(6 * 3 * height * width, frames.Pixels.Length);
        // The tiny UNet is the ideal denoiser towards the conditioning latent, so frame f ends as guidance(f) × the image:
        // the ramp 1 → 3 shows exactly in the pixels.
        var plane = 3 * height * width;
        var ramp = KarrasScheduler.GuidanceRamp(6, 1, 3);
        var expected = image.Select((b, i) => 0.0).ToArray();
        for (var f = 0; f < 6; f++)
        {
            var ratios = new List<double>();
            for (var i = 0; i < plane; i += 97)
            {
                var first = frames.Pixels[i];
                if (Math.Abs(first) > 0.05)
                {
                    ratios.Add(frames.Pixels[f * plane + i] / first);
                }
            }
            Assert.InRange(ratios.Average(), ramp[f] * 0.97, ramp[f] * 1.03);
        }
        // Frame 0 (guidance 1) is the keyframe, 8×8-block averaged by the tiny VAE.
        var red = frames.Pixels[(height / 2 * width) + width / 2];
        var actual = image[(height / 2 * width + width / 2) * 3] / 127.5 - 1;
        Assert.InRange(red, actual - 0.15, actual + 0.15);
        Assert.True(frames.Timings.InRun > TimeSpan.Zero && frames.Timings.InRun <= frames.Timings.Total);
    }

    [Fact]
    public void The_same_seed_gives_the_same_clip_and_another_seed_another()
    {
        var folder = TinySvdModels.Write(TestEnvironment.NewFolder("svd-seed"));
        using var models = new SvdModels(folder, Provider().CreateSessionOptions);
        int height = TinySvdModels.LatentHeight * 8, width = TinySvdModels.LatentWidth * 8;
        var (image, clip) = Picture(width, height);
        var parameters = new SvdParameters(Seed: 1, Frames: 4, Steps: 3, MaxGuidance: 1);
        var a = new SvdPipeline(models).Generate(image, height, width, clip, parameters, null, CancellationToken.None);
        var b = new SvdPipeline(models).Generate(image, height, width, clip, parameters, null, CancellationToken.None);
        var c = new SvdPipeline(models).Generate(image, height, width, clip, parameters with { Seed = 2 }, null, CancellationToken.None);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.NotEqual(a.Pixels, c.Pixels);
    }

    [Theory]
    [InlineData(false, 3.0)]
    [InlineData(true, 3.0)]
    [InlineData(false, 1.0)]
    public void The_device_resident_loop_computes_what_the_managed_loop_does(bool fp16Unet, double maxGuidance)
    {
        // On CUDA the loop runs through IO binding and the sampler-step graph; here the same path runs on the CPU provider.
        var folder = TinySvdModels.Write(TestEnvironment.NewFolder("svd-device"), fp16Unet);
        var provider = Provider();
        using var models = new SvdModels(folder, provider.CreateSessionOptions);
        int height = TinySvdModels.LatentHeight * 8, width = TinySvdModels.LatentWidth * 8;
        var (image, clip) = Picture(width, height);
        var parameters = new SvdParameters(Seed: 5, Frames: 5, Steps: 7, MaxGuidance: maxGuidance);
        var steps = new List<int>();

        using var managed = new SvdPipeline(models);
        var expected = managed.Generate(image, height, width, clip, parameters, null, CancellationToken.None).Pixels.ToArray();
        using var device = new SvdPipeline(models, provider.CreateSessionOptions, OrtMemoryInfo.DefaultInstance);
        var actual = device.Generate(image, height, width, clip, parameters, new InlineProgress(steps.Add), CancellationToken.None).Pixels;

        Assert.Equal(Enumerable.Range(1, 7), steps);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst < (fp16Unet ? 2e-2 : 1e-4), $"The device loop differs from the managed loop by up to {worst}.");
    }

    [Fact]
    public void A_model_with_the_wrong_signature_is_refused_by_name()
    {
        var folder = TinySvdModels.Write(TestEnvironment.NewFolder("svd-wrong"));
        File.Copy(Path.Combine(folder, SvdModels.ImageEncoderFile), Path.Combine(folder, SvdModels.UnetFile), overwrite: true);
        var error = Assert.Throws<InvalidDataException>(() => new SvdModels(folder, Provider().CreateSessionOptions));
        Assert.Contains("unet.onnx lacks sample", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_that_cannot_be_used_is_reported_with_the_reason_and_cpu_still_works()
    {
        // CI machines have no CUDA libraries: the provider is listed, but only a run tells the truth.
        Assert.Contains("CUDAExecutionProvider", OrtEnv.Instance().GetAvailableProviders());
        var cuda = Provider("cuda");
        if (cuda.Status.Usable)
        {
            Assert.Equal("cuda", cuda.Status.InUse); // a machine with a working GPU
            return;
        }
        Assert.Equal("none", cuda.Status.InUse);
        Assert.False(string.IsNullOrWhiteSpace(cuda.Status.Detail));
        var refused = Assert.Throws<InvalidOperationException>(() => cuda.CreateSessionOptions());
        Assert.Contains("cuda execution provider cannot be used", refused.Message, StringComparison.Ordinal);

        var cpu = Provider();
        Assert.True(cpu.Status.Usable);
        Assert.Equal("cpu", cpu.Status.InUse);
    }

    [Fact]
    public async Task A_generated_clip_meets_the_delivery_spec()
    {
        var data = TestEnvironment.NewFolder("svd-clip");
        var models = TinySvdModels.Write(Path.Combine(data, "models"));
        var keyframe = Path.Combine(data, "keyframe.png");
        await ProcessRunner.RunAsync("ffmpeg", ["-f", "lavfi", "-i", "testsrc=s=1080x1920:d=1", "-frames:v", "1", keyframe], TimeSpan.FromSeconds(30), CancellationToken.None);
        var ffmpeg = new Ffmpeg(Options.Create(new MediaOptions()));
        using var generator = new SvdClipGenerator(Options.Create(new GpuOptions { SvdModelsPath = models }), Provider(), ffmpeg, new EncoderSelector(ffmpeg, NullLogger<EncoderSelector>.Instance), NullLogger<SvdClipGenerator>.Instance);
        Assert.True(generator.Status.Available, generator.Status.Description);
        Assert.Equal("svd-onnx-cpu", generator.Status.Engine);

        var output = Path.Combine(data, "clip.mp4");
        await generator.GenerateAsync(new VideoDiffusionRequest(keyframe, output, data, 3, 11, 14, 8, 7, 127, 0.02, 1, 1.2), new InlineProgress(_ => { }), CancellationToken.None);

        var probe = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height,r_frame_rate,pix_fmt,nb_frames", "-of", "json", output], TimeSpan.FromSeconds(30), CancellationToken.None);
        var stream = JsonDocument.Parse(probe.StdOut).RootElement.GetProperty("streams")[0];
        Assert.Equal(("h264", 1080, 1920, "30/1", "yuv420p"), (stream.GetProperty("codec_name").GetString(), stream.GetProperty("width").GetInt32(),
            stream.GetProperty("height").GetInt32(), stream.GetProperty("r_frame_rate").GetString(), stream.GetProperty("pix_fmt").GetString()));
        Assert.Equal("90", stream.GetProperty("nb_frames").GetString());
        Assert.NotNull(generator.LastTimings);
    }

    [Fact]
    public async Task The_single_slot_never_overlaps_and_a_cancelled_job_releases_it()
    {
        using var worker = new GpuWorker(TimeProvider.System, NullLogger<GpuWorker>.Instance);
        var spans = new System.Collections.Concurrent.ConcurrentBag<(long Start, long End)>();
        var jobs = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            await using (await worker.AcquireAsync("job", i, CancellationToken.None))
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                await Task.Delay(30);
                spans.Add((start, System.Diagnostics.Stopwatch.GetTimestamp()));
            }
        })).ToList();
        await Task.WhenAll(jobs);
        var ordered = spans.OrderBy(s => s.Start).ToList();
        Assert.Equal(6, ordered.Count);
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].Start >= ordered[i - 1].End, "Two jobs held the GPU slot at once.");
        }

        // A job cancelled while it holds the slot gives it back; one cancelled while waiting never takes it.
        using var cancelHolder = new CancellationTokenSource();
        var holder = Task.Run(async () =>
        {
            await using (await worker.AcquireAsync("held", 100, CancellationToken.None))
            {
                await Task.Delay(Timeout.Infinite, cancelHolder.Token);
            }
        });
        await Eventually.WaitAsync(() => Task.FromResult(worker.Snapshot().Holder?.Purpose == "held"), TimeSpan.FromSeconds(5), () => "The holder never got the slot.");
        using var cancelWaiter = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await worker.AcquireAsync("waiter", 101, cancelWaiter.Token));
        Assert.Equal(0, worker.Waiting);
        await cancelHolder.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holder);
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await using (await worker.AcquireAsync("next", 102, quick.Token))
        {
            Assert.Equal("next", worker.Snapshot().Holder?.Purpose);
        }
    }

    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
