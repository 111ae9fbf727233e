using System.Text.Json;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Media;

/// <summary>What the upload's one probe found (kept with the artifact), and how the creator wants it fitted.</summary>
internal static class UploadedMedia
{
    public static InputMedia Describe(StageContext context) =>
        context.Upload?.MediaInfoJson is { } json && JsonSerializer.Deserialize<InputMedia>(json) is { } media
            ? media
            : throw new PermanentStageException("The upload has no media description; upload the file again.");

    public static FitMode Fit(StageContext context, InputMedia media) =>
        context.Text("fit", "") switch
        {
            "cover" => FitMode.Cover,
            "contain" => FitMode.Contain,
            "" => MediaNormalizer.DefaultFit(media),
            var other => throw new PermanentStageException($"Fit '{other}' is unknown; use cover or contain."),
        };
}
