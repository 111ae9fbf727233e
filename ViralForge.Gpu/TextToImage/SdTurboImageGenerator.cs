using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Keyframes.Generated;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.Svd;

namespace ViralForge.Gpu.TextToImage;

/// <summary>
/// SD-Turbo or SDXL-Turbo keyframes: drawn at the export's fixed size (or portrait 512x896 where the UNet takes any),
/// then filled to 1080x1920 by ffmpeg. Models load on first use, stay warm, and are loaded again when
/// their files change, as SVD's are; a folder installed later is used without a restart.
/// </summary>
public sealed class SdTurboImageGenerator(IOptions<GpuOptions> options, OnnxProvider provider, Ffmpeg ffmpeg, ILogger<SdTurboImageGenerator> log) : ITextToImage, IDisposable
{
    /// <summary>Portrait, near SD-Turbo's trained 512x512 area; both multiples of 64 as the UNet needs.</summary>
    public const int DefaultWidth = 512;
    public const int DefaultHeight = 896;

    private readonly WarmModels<SdTurboModels> _models = new("Text-to-image", log);
    private SdTurboPipeline? _pipeline;

    public string Folder => Path.GetFullPath(options.Value.TextToImageModelsPath);

    public SdTurboModels? Loaded => _models.Loaded;

    public SvdTimings? LastTimings { get; private set; }

    public TextToImageStatus Status
    {
        get
        {
            if (!SdTurboModels.Present(Folder))
            {
                return new(false, "none", $"No text-to-image model in {options.Value.TextToImageModelsPath} (an SD-Turbo ONNX export: {string.Join(", ", SdTurboModels.Files)}; SDXL-Turbo adds {string.Join(", ", SdTurboModels.XlFiles)}).");
            }
            var status = provider.Status;
            return status.Usable
                ? new(true, $"sd-turbo-onnx-{status.InUse}", $"{(SdTurboModels.IsXlFolder(Folder) ? "SDXL-Turbo" : "SD-Turbo")} on {status.InUse} ({status.Device}).", ModelStamp())
                : new(false, "none", $"An SD-Turbo model is present, but the {status.Requested} execution provider cannot be used ({status.Detail}).");
        }
    }

    private string ModelStamp() => FileStamp.Of(SdTurboModels.FilesIn(Folder).Select(f => Path.Combine(Folder, f)));

    public SdTurboModels Models() => _models.Get(Folder, ModelStamp(), () => new SdTurboModels(Folder, provider.CreateSessionOptions), () => _pipeline = null);

    public async Task GenerateAsync(TextToImageRequest request, CancellationToken ct)
    {
        SdTurboModels models;
        try
        {
            models = await Task.Run(Models, ct);
        }
        catch (Exception ex) when (ex is InvalidDataException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            throw new PermanentStageException($"The text-to-image model in {options.Value.TextToImageModelsPath} cannot be used: {ex.Message}");
        }
        var (latentHeight, latentWidth) = models.FixedLatentSize ?? (DefaultHeight / 8, DefaultWidth / 8);
        int height = latentHeight * 8, width = latentWidth * 8;
        // One pipeline, kept with its buffers: the GPU slot already makes pictures one at a time.
        var pipeline = _pipeline ??= new SdTurboPipeline(models);
        var image = await Task.Run(() => pipeline.Generate(request.Prompt, request.Seed, request.Steps, height, width, ct), ct);
        LastTimings = image.Timings;

        // ffmpeg's planar RGB is in green, blue, red order.
        var raw = Path.Combine(request.WorkFolder, $"picture-{request.Seed}.gbrp");
        var plane = width * height;
        await using (var file = File.Create(raw))
        {
            await file.WriteAsync(image.Planes.AsMemory(plane, 2 * plane), ct);
            await file.WriteAsync(image.Planes.AsMemory(0, plane), ct);
        }
        await ffmpeg.RunAsync(
        [
            "-f", "rawvideo", "-pix_fmt", "gbrp", "-s", $"{width}x{height}", "-i", raw,
            "-vf", "scale=1080:1920:force_original_aspect_ratio=increase:flags=lanczos,crop=1080:1920,setsar=1",
            "-frames:v", "1", "-update", "1", request.OutputPath,
        ], 0, null, ct);
        File.Delete(raw);
    }

    public void Dispose() => _models.Dispose();
}
