using System.Globalization;
using System.Text.Json.Nodes;

namespace ViralForge.Core.Pipeline;

public enum ParameterType
{
    Text,
    Number,
    WholeNumber,
    Boolean,
    Choice,
    /// <summary>A list of choices, one per cut (transitions).</summary>
    ChoiceList,
    /// <summary>The id of an artifact of this video (an upload).</summary>
    Id,
}

/// <summary>One parameter a stage accepts: declared once, read by the API, the retry dialog and the checks.</summary>
public sealed record StageParameter(
    string Name, ParameterType Type, string Description, double? Min = null, double? Max = null, IReadOnlyList<string>? Choices = null, string? Default = null)
{
    /// <summary>Null when the value is acceptable; otherwise what is wrong, in words. JSON null means "back to the default".</summary>
    public string? Check(JsonNode? value)
    {
        if (value is null)
        {
            return null;
        }
        switch (Type)
        {
            case ParameterType.Number or ParameterType.WholeNumber:
                if (!TryNumber(value, out var d))
                {
                    return $"'{Name}' must be a number.";
                }
                if (Type == ParameterType.WholeNumber && d != Math.Floor(d))
                {
                    return $"'{Name}' must be a whole number; {d.ToString(CultureInfo.InvariantCulture)} is not.";
                }
                if ((Min is { } min && d < min) || (Max is { } max && d > max))
                {
                    return $"'{Name}' is {d.ToString(CultureInfo.InvariantCulture)}; it must be between {Min?.ToString(CultureInfo.InvariantCulture)} and {Max?.ToString(CultureInfo.InvariantCulture)}.";
                }
                return null;
            case ParameterType.Boolean:
                return value is JsonValue b && b.TryGetValue<bool>(out _) ? null : $"'{Name}' must be true or false.";
            case ParameterType.Choice:
                return value is JsonValue c && c.TryGetValue<string>(out var choice) && Choices!.Contains(choice, StringComparer.Ordinal)
                    ? null
                    : $"'{Name}' must be one of {string.Join(", ", Choices!)}.";
            case ParameterType.ChoiceList:
                return value is JsonArray list && list.All(i => i is JsonValue v && v.TryGetValue<string>(out var s) && Choices!.Contains(s, StringComparer.Ordinal))
                    ? null
                    : $"'{Name}' must be a list of {string.Join(", ", Choices!)}.";
            case ParameterType.Id:
                return value is JsonValue g && g.TryGetValue<string>(out var id) && Guid.TryParse(id, out _) ? null : $"'{Name}' must be an artifact id.";
            default:
                return value is JsonValue t && t.TryGetValue<string>(out var text) && text.Length <= (Max ?? 500)
                    ? null
                    : $"'{Name}' must be text of at most {(Max ?? 500).ToString(CultureInfo.InvariantCulture)} characters.";
        }
    }

    /// <summary>
    /// A number however the node holds it: parsed JSON, or a value built in code (an int stays a
    /// JsonValue&lt;int&gt;, which TryGetValue&lt;double&gt; does not convert), or a numeric string.
    /// </summary>
    private static bool TryNumber(JsonNode value, out double d)
    {
        d = 0;
        if (value is not JsonValue v)
        {
            return false;
        }
        var text = v.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.Number => v.ToJsonString(),
            System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
            _ => null,
        };
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d);
    }
}

/// <summary>A request named parameters a stage does not have, or gave them values it cannot use.</summary>
public sealed class StageParameterException(string message) : PipelineCommandException(message);

/// <summary>
/// What each stage accepts. Handlers read the same names (and keep their own range checks as the last
/// line of defence); everything that takes parameters from people checks them here first, so
/// <c>{"motoin": "pan-left"}</c> is refused with the list of what is accepted instead of being ignored.
/// </summary>
public static class StageParameters
{
    private static readonly StageParameter Upload = new("upload", ParameterType.Id, "An uploaded file that replaces this scene's output (set by the upload action).");
    private static readonly StageParameter Start = new("start", ParameterType.Number, "Where in an uploaded video or sound the scene starts, in seconds.", 0, 3600);

    private static readonly Dictionary<StageKind, StageParameter[]> Catalog = new()
    {
        [StageKind.Script] =
        [
            new("mode", ParameterType.Choice, "\"generate\": the script model writes the script from the topic.", Choices: [Script.ScriptRequest.GenerateMode]),
            new("topic", ParameterType.Text, "What the video is about.", Max: 300),
            new("tone", ParameterType.Text, "How it should sound, in a few words.", Max: 60, Default: "informative"),
            new("seconds", ParameterType.WholeNumber, "Target length of the video.", 10, 180, Default: "30"),
            new("language", ParameterType.Text, "Language of the script (a culture code such as en or de).", Max: 20, Default: "en"),
            new("template", ParameterType.Text, "Prompt template name.", Max: 100, Default: Script.ScriptRequest.DefaultTemplate),
            new("seed", ParameterType.WholeNumber, "Seed for the script model, for a different draft.", 0, 9e15),
            new("autoContinue", ParameterType.Boolean, "Go on to the other stages without waiting for the creator.", Default: "false"),
        ],
        [StageKind.Keyframes] =
        [
            new("palette", ParameterType.WholeNumber, "Colour palette of the title card.", 0, Keyframes.KeyframeStage.PaletteCount - 1),
            new("source", ParameterType.Choice, "Where the picture comes from: a stock photo, a picture drawn from the scene's visual idea, or the designed card (or upload one).", Choices: Keyframes.KeyframeStage.Sources),
            new("style", ParameterType.Text, "Style words added to a generated picture's prompt.", Max: 200),
            new("steps", ParameterType.WholeNumber, "Text-to-image steps (SD-Turbo: 1–4).", 1, 4, Default: "1"),
            new("seed", ParameterType.WholeNumber, "Text-to-image seed (candidates use the next ones).", 0, 9e15),
            new("cardText", ParameterType.Choice, "What the card says.", Choices: Keyframes.KeyframeStage.CardTexts, Default: "auto"),
            new("searchTerms", ParameterType.Text, "Stock photo search words.", Max: 100),
            new("candidates", ParameterType.WholeNumber, "How many stock photos or generated pictures to offer the reviewer.", 1, 6),
            Upload,
            new("fit", ParameterType.Choice, "How an upload fills the frame.", Choices: ["cover", "contain"]),
            Start,
        ],
        [StageKind.Clips] =
        [
            new("engine", ParameterType.Choice, "What makes the clip: video diffusion, stock footage, or a CPU pan/zoom of the keyframe.", Choices: ["svd", "stock", "motion"]),
            new("durationSeconds", ParameterType.Number, "Clip length.", 2, 4),
            new("candidates", ParameterType.WholeNumber, "How many candidates to make for the reviewer.", 1, 8),
            new("motion", ParameterType.Choice, "Camera move of a motion clip.", Choices: Clips.ClipStage.Motions),
            new("searchTerms", ParameterType.Text, "Stock footage search words.", Max: 100),
            new("seed", ParameterType.WholeNumber, "Diffusion seed.", 0, 9e15),
            new("steps", ParameterType.WholeNumber, "Diffusion steps.", 2, 150, Default: "25"),
            new("frames", ParameterType.WholeNumber, "Frames the diffusion model makes.", 4, 32, Default: "14"),
            new("fps", ParameterType.WholeNumber, "Frame rate the diffusion model is conditioned on.", 3, 30, Default: "7"),
            new("motionBucket", ParameterType.WholeNumber, "How much the diffusion model moves things.", 1, 255, Default: "127"),
            new("noiseAugmentation", ParameterType.Number, "Noise added to the keyframe before diffusion.", 0, 1, Default: "0.02"),
            new("minGuidance", ParameterType.Number, "Guidance at the first frame.", 0, 20, Default: "1"),
            new("maxGuidance", ParameterType.Number, "Guidance at the last frame.", 0, 20, Default: "3"),
            Upload,
            new("fit", ParameterType.Choice, "How an upload fills the frame.", Choices: ["cover", "contain"]),
            Start,
        ],
        [StageKind.Narration] =
        [
            new("voice", ParameterType.Text, "Voice (see the voices list).", Max: 120, Default: "en-us"),
            new("rate", ParameterType.WholeNumber, "Words per minute (espeak-ng voices).", 80, 450, Default: "165"),
            new("pitch", ParameterType.WholeNumber, "Pitch (espeak-ng voices).", 0, 99, Default: "50"),
            new("volume", ParameterType.Number, "Gain in dB.", -12, 12, Default: "0"),
            new("candidates", ParameterType.WholeNumber, "How many takes to make for the reviewer.", 1, 5),
            Upload,
            Start,
        ],
        [StageKind.Compose] =
        [
            new("music", ParameterType.Text, "\"random\", \"none\" or a track's file name.", Max: 200, Default: "random"),
            new("musicVolume", ParameterType.Number, "Music level under the voice.", 0, 1, Default: "0.22"),
            new("captionStyle", ParameterType.Choice, "Caption look, or none.", Choices: [.. Composition.CaptionStyle.Presets.Keys, "none"], Default: "bold"),
            new("transition", ParameterType.Choice, "Transition between scenes.", Choices: Composition.Transition.Kinds, Default: "fade"),
            new("transitions", ParameterType.ChoiceList, "One transition per cut, overriding the one above.", Choices: Composition.Transition.Kinds),
            new("transitionSeconds", ParameterType.Number, "Transition length.", 0, 1, Default: "0.3"),
        ],
        [StageKind.Review] = [],
        [StageKind.Publish] = [],
    };

    /// <summary>Accepted by every stage that takes parameters: any new value forces a fresh take instead of reusing a cached result.</summary>
    public static readonly StageParameter Take = new("take", ParameterType.Text, "Any new value makes a fresh take even with unchanged parameters.", Max: 64);

    public static IReadOnlyList<StageParameter> For(StageKind stage) => Catalog[stage];

    public static IReadOnlyDictionary<StageKind, StageParameter[]> All => Catalog;

    /// <summary>Throws with every problem and the accepted names when the overrides do not fit the stage.</summary>
    public static void Check(StageKind stage, JsonObject? overrides)
    {
        if (overrides is null || overrides.Count == 0)
        {
            return;
        }
        var accepted = Catalog[stage];
        var problems = new List<string>();
        foreach (var (name, value) in overrides)
        {
            var parameter = accepted.FirstOrDefault(p => p.Name == name) ?? (name == Take.Name ? Take : null);
            if (parameter is null)
            {
                problems.Add($"{stage} has no parameter '{name}'.");
            }
            else if (parameter.Check(value) is { } problem)
            {
                problems.Add(problem);
            }
        }
        if (problems.Count > 0)
        {
            var names = accepted.Length == 0 ? "it takes no parameters" : "it accepts " + string.Join(", ", accepted.Select(p => p.Name));
            throw new StageParameterException($"{string.Join(" ", problems)} ({stage}: {names}.)");
        }
    }

    /// <summary>
    /// A new video's per-stage parameters: { "Clips": { ... }, ... }. Callers from outside are strict about
    /// other top-level names; the studio's own creators (the Sheets desk) keep sections of their own.
    /// </summary>
    public static void CheckAll(JsonObject? parametersByStage, bool strict)
    {
        var problems = new List<string>();
        foreach (var (stageName, value) in parametersByStage ?? [])
        {
            if (!Enum.TryParse<StageKind>(stageName, ignoreCase: true, out var stage) || int.TryParse(stageName, out _))
            {
                if (strict)
                {
                    problems.Add($"'{stageName}' is not a stage; stages are {string.Join(", ", Enum.GetNames<StageKind>())}.");
                }
                continue;
            }
            if (value is not JsonObject forStage)
            {
                problems.Add($"The parameters of {stage} must be an object.");
                continue;
            }
            try
            {
                Check(stage, forStage);
            }
            catch (StageParameterException ex)
            {
                problems.Add(ex.Message);
            }
        }
        if (problems.Count > 0)
        {
            throw new StageParameterException(string.Join(" ", problems));
        }
    }

    /// <summary>Stage sections under their canonical names ("compose" → "Compose"), as the stages look them up.</summary>
    public static JsonObject Normalize(JsonObject? parametersByStage)
    {
        var result = new JsonObject();
        foreach (var (name, value) in parametersByStage ?? [])
        {
            var key = Enum.TryParse<StageKind>(name, ignoreCase: true, out var stage) && !int.TryParse(name, out _) ? stage.ToString() : name;
            result[key] = value?.DeepClone();
        }
        return result;
    }
}
