using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Clips;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Onnx;

namespace ViralForge.Gpu.Svd;

/// <summary>
/// Stable Video Diffusion clips: the keyframe in at the model's size, frames out through the pipeline,
/// encoded to the delivery format (1080x1920, 30 fps, H.264). The models load on first use and stay warm.
/// </summary>
public sealed class SvdClipGenerator(IOptions<GpuOptions> options, OnnxProvider provider, Ffmpeg ffmpeg, EncoderSelector encoders, ILogger<SvdClipGenerator> log) : IVideoDiffusion, IDisposable
{
    /// <summary>The size used when the UNet export does not fix one: portrait 576x1024, SVD's native area.</summary>
    public const int DefaultWidth = 576;
    public const int DefaultHeight = 1024;

    private readonly WarmModels<SvdModels> _models = new("SVD", log);
    private SvdPipeline? _pipeline;

    public string Folder => Path.GetFullPath(options.Value.SvdModelsPath);

    public SvdModels? Loaded => _models.Loaded;

    public SvdTimings? LastTimings { get; private set; }

    public VideoDiffusionStatus Status
    {
        get
        {
            if (!SvdModels.Present(Folder))
            {
                return new(false, "none", $"No SVD models in the models folder (it needs {string.Join(", ", SvdModels.Files)}): clips are CPU pan/zoom motion clips.");
            }
            var status = provider.Status;
            return status.Usable
                ? new(true, $"svd-onnx-{status.InUse}", $"Stable Video Diffusion on {status.InUse} ({status.Device}).", ModelStamp())
                : new(false, "none", $"SVD models are present, but the {status.Requested} execution provider cannot be used ({status.Detail}); clips are CPU pan/zoom motion clips until that is fixed.");
        }
    }

    private string ModelStamp() => FileStamp.Of(SvdModels.Files.Select(f => Path.Combine(Folder, f)));

    /// <summary>The warm models; replaced models are loaded again (clips run one at a time, so none is in use then).</summary>
    public SvdModels Models() => _models.Get(Folder, ModelStamp(), () => new SvdModels(Folder, provider.CreateSessionOptions), () =>
    {
        _pipeline?.Dispose();
        _pipeline = null;
    });

    public async Task GenerateAsync(VideoDiffusionRequest request, IProgress<int> stepDone, CancellationToken ct)
    {
        var models = await Task.Run(Models, ct);
        var (latentHeight, latentWidth) = models.FixedLatentSize ?? (DefaultHeight / 8, DefaultWidth / 8);
        int height = latentHeight * 8, width = latentWidth * 8;
        var image = await RgbAsync(request.KeyframePath, width, height, $"scale={width}:{height}:force_original_aspect_ratio=increase:flags=lanczos,crop={width}:{height}", request.WorkFolder, ct);
        var clipImage = await RgbAsync(request.KeyframePath, SvdPipeline.ClipSize, SvdPipeline.ClipSize, $"scale={SvdPipeline.ClipSize}:{SvdPipeline.ClipSize}:flags=lanczos", request.WorkFolder, ct);

        var parameters = new SvdParameters(request.Seed, request.Frames, request.Steps, request.Fps, request.MotionBucket, request.NoiseAugmentation, request.MinGuidance, request.MaxGuidance);
        // One pipeline, kept with its buffers: the GPU slot already makes clips run one at a time.
        var pipeline = _pipeline ??= provider.Status.InUse == "cuda"
            ? new SvdPipeline(models, provider.CreateSessionOptions,
                new Microsoft.ML.OnnxRuntime.OrtMemoryInfo("Cuda", Microsoft.ML.OnnxRuntime.OrtAllocatorType.DeviceAllocator, options.Value.CudaDeviceId, Microsoft.ML.OnnxRuntime.OrtMemType.Default))
            : new SvdPipeline(models);
        var frames = await Task.Run(() => pipeline.Generate(image, height, width, clipImage, parameters, stepDone, ct), ct);
        LastTimings = frames.Timings;

        var raw = Path.Combine(request.WorkFolder, $"frames-{request.Seed}.rgb");
        await File.WriteAllBytesAsync(raw, ToRgb24(frames), ct);
        var rate = (frames.Frames / request.Seconds).ToString("0.######", CultureInfo.InvariantCulture);
        await ffmpeg.RunAsync(
        [
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-framerate", rate, "-i", raw,
            "-vf", "scale=1080:1920:force_original_aspect_ratio=increase:flags=lanczos,crop=1080:1920,fps=30,format=yuv420p,setsar=1",
            "-t", request.Seconds.ToString("0.###", CultureInfo.InvariantCulture),
            .. (await encoders.GetIntermediateAsync(ct)).Arguments,
            "-an", "-movflags", "+faststart", request.OutputPath,
        ], request.Seconds, null, ct);
        File.Delete(raw);
    }

    private async Task<byte[]> RgbAsync(string input, int width, int height, string filter, string workFolder, CancellationToken ct)
    {
        var path = Path.Combine(workFolder, $"in-{width}x{height}-{Guid.NewGuid():N}.rgb");
        await ffmpeg.RunAsync(["-i", input, "-frames:v", "1", "-vf", filter, "-pix_fmt", "rgb24", "-f", "rawvideo", path], 0, null, ct);
        var bytes = await File.ReadAllBytesAsync(path, ct);
        File.Delete(path);
        if (bytes.Length != width * height * 3)
        {
            throw new InvalidDataException($"The keyframe decoded to {bytes.Length} bytes, not {width}x{height} RGB.");
        }
        return bytes;
    }

    /// <summary>[frame, RGB plane, y, x] floats in [-1, 1] to interleaved RGB24 frames.</summary>
    public static byte[] ToRgb24(SvdFrames frames)
    {
        var plane = frames.Height * frames.Width;
        var bytes = new byte[frames.Frames * plane * 3];
        for (var f = 0; f < frames.Frames; f++)
        {
            var src = f * plane * 3;
            var dst = f * plane * 3;
            for (var i = 0; i < plane; i++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var v = (frames.Pixels[src + c * plane + i] + 1f) * 127.5f;
                    bytes[dst + i * 3 + c] = (byte)Math.Clamp(MathF.Round(v), 0f, 255f);
                }
            }
        }
        return bytes;
    }

    public void Dispose()
    {
        _pipeline?.Dispose();
        _models.Dispose();
    }
}
