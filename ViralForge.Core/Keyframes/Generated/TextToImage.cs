namespace ViralForge.Core.Keyframes.Generated;

/// <summary>Whether keyframes can be generated from text here, and if not, why (said plainly in the UI and /health).</summary>
/// <param name="ModelStamp">The model files as a <see cref="Pipeline.FileStamp"/>: part of each generated keyframe's input hash.</param>
public sealed record TextToImageStatus(bool Available, string Engine, string Description, string? ModelStamp = null);

/// <summary>One picture from a prompt, written as a 1080x1920 PNG to <see cref="OutputPath"/>.</summary>
public sealed record TextToImageRequest(string Prompt, long Seed, int Steps, string OutputPath, string WorkFolder);

/// <summary>Text-to-image keyframes (SD-Turbo in ViralForge.Gpu). The caller holds the GPU slot.</summary>
public interface ITextToImage
{
    TextToImageStatus Status { get; }

    Task GenerateAsync(TextToImageRequest request, CancellationToken ct);
}

/// <summary>Used when the GPU project registers nothing.</summary>
public sealed class NoTextToImage : ITextToImage
{
    public TextToImageStatus Status { get; } = new(false, "none", "Text-to-image is not part of this build: keyframes are stock photos, uploads or cards.");

    public Task GenerateAsync(TextToImageRequest request, CancellationToken ct) => throw new NotSupportedException(Status.Description);
}
