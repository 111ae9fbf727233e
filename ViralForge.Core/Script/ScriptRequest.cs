using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ViralForge.Core.Script;

/// <summary>What the creator asks the model for. Kept as the Script run's parameters, so regenerating is a retry with overrides.</summary>
public sealed record ScriptRequest(string Topic, string Tone, int Seconds, string Language, string Template = ScriptRequest.DefaultTemplate, long? Seed = null, bool AutoContinue = false)
{
    public const string DefaultTemplate = "script";
    public const int MinSeconds = 15;
    public const int MaxSeconds = 60;
    public const int MaxTopicChars = 600;
    public const int MaxToneChars = 40;

    /// <summary>Marks a Script run that writes with the model rather than freezing the creator's own script.</summary>
    public const string ModeParameter = "mode";
    public const string GenerateMode = "generate";

    public static readonly string[] SuggestedTones = ["informative", "playful", "dramatic", "calm", "urgent", "inspiring"];

    public string LanguageName => CultureInfo.GetCultureInfo(Language).EnglishName;

    /// <summary>
    /// Every reason the request cannot be used; the topic is judged after cleaning. A topic that is too
    /// long is refused to people, who can shorten it, but cut by the writer when <paramref name="capTopic"/>.
    /// </summary>
    public IReadOnlyList<string> Validate(bool capTopic = false)
    {
        var errors = new List<string>();
        var topicLength = UntrustedText.Clean(Topic, int.MaxValue).Text.Length;
        if (topicLength == 0)
        {
            errors.Add("Give a topic: what the video is about.");
        }
        else if (topicLength > MaxTopicChars && !capTopic)
        {
            errors.Add($"The topic is longer than {MaxTopicChars} characters; shorten it (trend texts are cut automatically).");
        }
        if (UntrustedText.Clean(Tone, int.MaxValue).Text.Length > MaxToneChars)
        {
            errors.Add($"The tone is longer than {MaxToneChars} characters.");
        }
        if (Seconds is < MinSeconds or > MaxSeconds)
        {
            errors.Add($"The target length is {Seconds} s; choose {MinSeconds}–{MaxSeconds} s.");
        }
        if (!IsKnownLanguage(Language))
        {
            errors.Add($"Language '{Language}' is not a known language code; use one like en, de, fr, es, pt-BR.");
        }
        if (string.IsNullOrWhiteSpace(Template) || Template.Length > 100)
        {
            errors.Add("Name the prompt template to write with (default: script).");
        }
        return errors;
    }

    public JsonObject ToParameters()
    {
        var parameters = new JsonObject
        {
            [ModeParameter] = GenerateMode,
            ["topic"] = Topic,
            ["tone"] = Tone,
            ["seconds"] = Seconds,
            ["language"] = Language,
            ["template"] = Template,
            ["autoContinue"] = AutoContinue,
        };
        if (Seed is { } seed)
        {
            parameters["seed"] = seed;
        }
        return parameters;
    }

    /// <summary>Why a run's parameters are not a usable request (an unreadable value, or what <see cref="Validate"/> says).</summary>
    public static IReadOnlyList<string> ProblemsIn(JsonObject parameters)
    {
        try
        {
            return FromParameters(parameters).Validate();
        }
        catch (FormatException ex)
        {
            return [ex.Message];
        }
    }

    public static bool IsGenerate(JsonObject parameters) =>
        parameters[ModeParameter] is JsonValue v && v.TryGetValue<string>(out var mode) && mode == GenerateMode;

    /// <summary>Reads the run's parameters back; a bad value is reported by name.</summary>
    public static ScriptRequest FromParameters(JsonObject p)
    {
        string Text(string name, string fallback) => p[name] switch
        {
            null => fallback,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw new FormatException($"Parameter '{name}' must be text."),
        };
        long? Long(string name) => p[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<long>(out var l) => l,
            JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
            JsonValue v when v.TryGetValue<string>(out var s) && long.TryParse(s, CultureInfo.InvariantCulture, out var l) => l,
            _ => throw new FormatException($"Parameter '{name}' must be a whole number."),
        };
        var autoContinue = p["autoContinue"] is JsonValue a && a.TryGetValue<bool>(out var b) && b;
        return new ScriptRequest(
            Text("topic", ""),
            Text("tone", "informative"),
            (int)Math.Clamp(Long("seconds") ?? 30, int.MinValue, int.MaxValue),
            Text("language", "en"),
            Text("template", DefaultTemplate),
            Long("seed"),
            autoContinue);
    }

    private static bool IsKnownLanguage(string code)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 20)
        {
            return false;
        }
        try
        {
            return !CultureInfo.GetCultureInfo(code, predefinedOnly: true).Equals(CultureInfo.InvariantCulture);
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }
}

/// <summary>
/// Text from outside (a creator's topic, a trend title) on its way into a prompt: control and
/// formatting characters removed, white space collapsed, length capped. It is data, never instructions:
/// the prompt delimits it and the grammar keeps the answer's shape whatever it says.
/// </summary>
public static class UntrustedText
{
    public static (string Text, bool Truncated) Clean(string? text, int maxChars)
    {
        if (string.IsNullOrEmpty(text))
        {
            return ("", false);
        }
        var sb = new StringBuilder(Math.Min(text.Length, maxChars == int.MaxValue ? text.Length : maxChars + 16));
        var pendingSpace = false;
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsWhiteSpace(rune) || category is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            // Control codes, bidi overrides, zero-width and other invisible characters can hide instructions from a reviewer.
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned)
            {
                continue;
            }
            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }
            sb.Append(rune.ToString());
            if (sb.Length > maxChars)
            {
                break;
            }
        }
        if (sb.Length <= maxChars)
        {
            return (sb.ToString(), false);
        }
        // Cut at a word boundary when one is near, never inside a surrogate pair.
        var cut = maxChars;
        if (char.IsLowSurrogate(sb[cut]))
        {
            cut--;
        }
        var space = sb.ToString(0, cut).LastIndexOf(' ');
        return (sb.ToString(0, space > maxChars * 3 / 4 ? space : cut).TrimEnd(), true);
    }

    /// <summary>Wraps cleaned text in a named delimiter that the text itself cannot close.</summary>
    public static string Delimit(string name, string cleaned) =>
        $"<{name}>{cleaned.Replace("<", "‹", StringComparison.Ordinal).Replace(">", "›", StringComparison.Ordinal)}</{name}>";
}
