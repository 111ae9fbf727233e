using System.Text;
using System.Text.Json.Nodes;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Keyframes;

/// <summary>
/// A scene's 1080x1920 keyframe: the creator's upload, a stock photo (parameter <c>source</c>: "photo",
/// the default when a stock provider is configured and the clip animates the keyframe), a picture drawn
/// by the text-to-image model ("generated", the default when it is installed and no stock provider is), or a designed
/// title card: a gradient, a line of text, its number. With captions on, the captions already show the
/// narration, so the card shows the scene's visual idea (or the title) instead of the same words twice;
/// parameter <c>cardText</c> (auto, visual, narration, title) overrides.
/// </summary>
public sealed class KeyframeStage(
    Ffmpeg ffmpeg, MediaNormalizer normalizer, Stock.StockPhotoKeyframes photos, Generated.GeneratedKeyframes generated, CandidateChoices choices, Clips.IVideoDiffusion diffusion) : IStageHandler
{
    public static readonly string[] Sources = ["card", "photo", "generated"];

    public const int Width = 1080;
    public const int Height = 1920;

    public static int PaletteCount => Palettes.Length;

    private static readonly (string From, string To)[] Palettes =
    [
        ("0x1e1b4b", "0x7c3aed"), ("0x0f172a", "0x0ea5e9"), ("0x3f0d12", "0xf97316"),
        ("0x052e16", "0x22c55e"), ("0x1f2937", "0xec4899"), ("0x172554", "0xfacc15"),
    ];

    public StageKind Stage => StageKind.Keyframes;
    public int Version => 3;

    /// <summary>
    /// When the clip will animate the keyframe (diffusion, or motion): a stock photo if a provider is
    /// configured, else a generated picture if the text-to-image model is installed. Otherwise the card:
    /// stock footage does not show the keyframe at all.
    /// </summary>
    public string DefaultSource(Video video)
    {
        var engine = JsonNode.Parse(video.ParametersJson)?["Clips"]?["engine"] is JsonValue v && v.TryGetValue<string>(out var e) ? e : null;
        var animated = engine is "motion" or "svd" || (engine is null && (photos.Unavailable is not null || diffusion.Status.Available));
        if (!animated)
        {
            return "card";
        }
        if (photos.Unavailable is null && (engine is not null || diffusion.Status.Available))
        {
            return "photo";
        }
        return generated.Unavailable is null ? "generated" : "card";
    }

    /// <summary>The source a run will use: configuring a stock provider later makes a retry search instead of reusing the card.</summary>
    public ValueTask<string?> ExternalInputsAsync(StageRun run, Script.ScriptDocument script, CancellationToken ct)
    {
        var parameters = JsonNode.Parse(run.ParametersJson) as JsonObject;
        if (parameters?["upload"] is not null)
        {
            return ValueTask.FromResult<string?>(null);
        }
        var source = StageContext.TextOf(parameters, "source", run.Video is { } video ? DefaultSource(video) : "card");
        // The card's hash stays what it was before photos existed, so earlier cards are still reused; a
        // generated picture's includes the model files, so installing other models draws it again.
        return ValueTask.FromResult<string?>(source switch
        {
            "photo" => "photo",
            "generated" => $"generated {generated.ModelStamp}",
            _ => null,
        });
    }

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        if (context.Upload is not null)
        {
            return await FromUploadAsync(context, normalizer, ct);
        }
        if (context.Text("pick", "") is { Length: > 0 } pick
            && await choices.KeepAsync(context, pick, Stock.StockPhotoKeyframes.CandidatePrefix, "keyframe", ct) is { } chosen)
        {
            return chosen;
        }
        switch (context.Text("source", "") is { Length: > 0 } asked ? asked : DefaultSource(context.Video))
        {
            case "photo":
                return await photos.MakeAsync(context, ct);
            case "generated":
                return await generated.MakeAsync(context, ct);
            case "card":
                break;
            case var other:
                throw new PermanentStageException($"Keyframe source '{other}' is unknown; use card, photo or generated (or upload a picture).");
        }
        var index = context.Run.SceneIndex!.Value;
        var palette = Palettes[(int)context.Number("palette", index % Palettes.Length, 0, Palettes.Length - 1)];
        var textFile = context.WorkFile("text.txt");
        var badgeFile = context.WorkFile("badge.txt");
        // Text goes through files, so no script text is ever parsed as filter syntax.
        await File.WriteAllTextAsync(textFile, Wrap(CardText(context), 20), ct);
        await File.WriteAllTextAsync(badgeFile, $"{index + 1} / {context.Script.Scenes.Count}", ct);
        var font = ffmpeg.Options.FontFile;
        var output = context.WorkFile("keyframe.png");
        string[] args =
        [
            // A fixed seed: without one ffmpeg's gradient source draws a different gradient each time, so the
            // same scene rendered twice looked different (and a reused input hash promised the same picture).
            "-f", "lavfi", "-i", $"gradients=s={Width}x{Height}:c0={palette.From}:c1={palette.To}:x0=0:y0=0:x1={Width}:y1={Height}:d=1:r=1:seed=1",
            "-vf", FilterValue.DrawText(font, textFile, "fontsize=76:fontcolor=white:line_spacing=18:x=(w-text_w)/2:y=(h-text_h)/2:shadowx=4:shadowy=4:shadowcolor=black@0.5") + "," +
                   FilterValue.DrawText(font, badgeFile, "fontsize=44:fontcolor=white@0.8:x=(w-text_w)/2:y=h*0.12"),
            "-frames:v", "1", "-update", "1", output,
        ];
        await ffmpeg.RunAsync(args, 0, null, ct);
        return StageOutcome.Produced(new ProducedFile("keyframe", output, "image/png"));
    }

    public static readonly string[] CardTexts = ["auto", "visual", "narration", "title"];

    /// <summary>What the card says: by default whatever the captions will not already be saying.</summary>
    public static string CardText(StageContext context)
    {
        var mode = context.Text("cardText", "auto").ToLowerInvariant();
        if (mode == "auto")
        {
            var captions = System.Text.Json.Nodes.JsonNode.Parse(context.Video.ParametersJson)?["Compose"]?["captionStyle"] is System.Text.Json.Nodes.JsonValue v
                && v.TryGetValue<string>(out var style) ? style : "bold";
            mode = captions == "none" ? "narration" : "visual";
        }
        var scene = context.Scene;
        return mode switch
        {
            "narration" => scene.Narration,
            "title" => context.Script.Title,
            _ => string.IsNullOrWhiteSpace(scene.Visual) ? context.Script.Title : scene.Visual,
        };
    }

    /// <summary>The creator's own still, fitted to 1080x1920.</summary>
    private static async Task<StageOutcome> FromUploadAsync(StageContext context, MediaNormalizer normalizer, CancellationToken ct)
    {
        var media = UploadedMedia.Describe(context);
        if (media.Kind != MediaKind.Image)
        {
            throw new PermanentStageException("A keyframe upload must be an image; upload a video as the scene's clip instead.");
        }
        var output = context.WorkFile("keyframe.png");
        await normalizer.NormalizeImageAsync(context.UploadPath!, media, UploadedMedia.Fit(context, media), output, ct);
        return StageOutcome.Produced(new ProducedFile("keyframe", output, "image/png", "{\"source\":\"upload\"}"));
    }

    /// <summary>Greedy word wrap; drawtext does not wrap by itself.</summary>
    public static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            if (line.Length > 0)
            {
                line.Append(' ');
            }
            line.Append(word);
        }
        if (line.Length > 0)
        {
            lines.Add(line.ToString());
        }
        return string.Join('\n', lines);
    }
}
