using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ViralForge.Core.Script;

public sealed record SceneScript
{
    public string Narration { get; init; } = "";
    public string Visual { get; init; } = "";
    public double DurationSeconds { get; init; } = 3;

    /// <summary>
    /// Short English phrases for stock search, best first. Null in scripts written before they existed
    /// (and left out of the JSON then, so those scenes keep their input hashes).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? SearchTerms { get; init; }
}

/// <summary>The script schema every script source (manual form, LLM, API) must satisfy.</summary>
public sealed record ScriptDocument
{
    public string Title { get; init; } = "";
    public string Hook { get; init; } = "";
    public List<SceneScript> Scenes { get; init; } = [];
    public string CaptionText { get; init; } = "";
    public List<string> Hashtags { get; init; } = [];
    public string CallToAction { get; init; } = "";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = false,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates; a document that fails either comes back with every reason.</summary>
    public static ScriptParseResult Parse(string? json)
    {
        if (json is null)
        {
            return new ScriptParseResult(null, ["The script has not been written yet."]);
        }
        ScriptDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<ScriptDocument>(json, Json);
        }
        catch (JsonException ex)
        {
            return new ScriptParseResult(null, [$"The script is not valid JSON for the script schema: {ex.Message}"]);
        }
        if (doc is null)
        {
            return new ScriptParseResult(null, ["The script is empty."]);
        }
        var errors = ScriptValidator.Validate(doc);
        return new ScriptParseResult(errors.Count == 0 ? doc : null, errors);
    }
}

public sealed record ScriptParseResult(ScriptDocument? Script, IReadOnlyList<string> Errors)
{
    public bool IsValid => Script is not null;
}

public static partial class ScriptValidator
{
    public const int MinScenes = ScriptSchema.MinScenes;
    public const int MaxScenes = ScriptSchema.MaxScenes;
    public const double MinSceneSeconds = ScriptSchema.MinSceneSeconds;
    public const double MaxSceneSeconds = ScriptSchema.MaxSceneSeconds;

    public static IReadOnlyList<string> Validate(ScriptDocument doc)
    {
        var errors = new List<string>();
        Text(errors, "Title", doc.Title, ScriptSchema.Title);
        Text(errors, "Hook", doc.Hook, ScriptSchema.Hook);
        Text(errors, "Caption text", doc.CaptionText, ScriptSchema.CaptionText);
        Text(errors, "Call to action", doc.CallToAction, ScriptSchema.CallToAction);

        if (doc.Scenes.Count is < MinScenes or > MaxScenes)
        {
            errors.Add($"A script needs {MinScenes} to {MaxScenes} scenes; this one has {doc.Scenes.Count}.");
        }
        for (var i = 0; i < doc.Scenes.Count; i++)
        {
            var scene = doc.Scenes[i];
            var label = $"Scene {i + 1}";
            Text(errors, $"{label} narration", scene.Narration, ScriptSchema.Narration);
            errors.AddRange(Narration.NarrationMarkup.Validate(scene.Narration ?? "").Select(e => $"{label} narration: {e}"));
            Text(errors, $"{label} visual description", scene.Visual, ScriptSchema.Visual);
            if (double.IsNaN(scene.DurationSeconds) || scene.DurationSeconds is < MinSceneSeconds or > MaxSceneSeconds)
            {
                errors.Add($"{label} lasts {scene.DurationSeconds} s; each scene must last {MinSceneSeconds}–{MaxSceneSeconds} s (longer clips drift).");
            }
            if (scene.SearchTerms is { } terms)
            {
                if (terms.Count > ScriptSchema.MaxSearchTerms)
                {
                    errors.Add($"{label} has {terms.Count} search terms; at most {ScriptSchema.MaxSearchTerms}.");
                }
                foreach (var term in terms)
                {
                    Text(errors, $"{label} search term \"{Shorten(term ?? "")}\"", term, ScriptSchema.SearchTerm);
                }
            }
        }

        if (doc.Hashtags.Count > ScriptSchema.MaxHashtags)
        {
            errors.Add($"At most {ScriptSchema.MaxHashtags} hashtags; this script has {doc.Hashtags.Count}.");
        }
        foreach (var tag in doc.Hashtags.Where(t => !HashtagPattern().IsMatch(t)))
        {
            errors.Add($"Hashtag \"{Shorten(tag)}\" must be letters, digits or underscores (1–{ScriptSchema.MaxHashtagLength}), optionally starting with #.");
        }
        return errors;
    }

    private static void Text(List<string> errors, string field, string? value, TextNode limits)
    {
        var (min, max) = (limits.MinLength, limits.MaxLength);
        var length = value?.Trim().Length ?? 0;
        if (length < min)
        {
            errors.Add($"{field} is required.");
        }
        else if (length > max)
        {
            errors.Add($"{field} is {length} characters; the limit is {max}.");
        }
        if (value is not null && value.Any(c => char.IsControl(c) && c is not '\n'))
        {
            errors.Add($"{field} contains control characters; remove them.");
        }
    }

    private static string Shorten(string s) => s.Length <= 30 ? s : s[..30] + "…";

    [GeneratedRegex(@"^#?[\p{L}\p{N}_]{1,50}$")]
    private static partial Regex HashtagPattern();
}
