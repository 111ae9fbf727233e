using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ViralForge.Core.Script;

/// <summary>How a model's answer fared: the script when it passed, otherwise every reason, worded so the model can fix them.</summary>
public sealed record ScriptCheckResult(ScriptDocument? Script, IReadOnlyList<string> Problems)
{
    public bool Passed => Script is not null && Problems.Count == 0;
}

/// <summary>
/// The checks a model-written script must pass beyond the schema: nothing around the JSON, no
/// markdown or links, a hook, a length that matches the target when spoken, and no banned phrase.
/// </summary>
public static partial class ScriptChecks
{
    /// <summary>Spoken lengths may differ from the target by this share.</summary>
    public const double LengthTolerance = 0.2;

    /// <summary>A scene's narration may outlast its clip by this factor (the clip holds its last frame).</summary>
    public const double MaxSpeechOverClip = 2.0;

    public static ScriptCheckResult Check(string answer, ScriptRequest request, IReadOnlyList<string> bannedPhrases, double wordsPerMinute)
    {
        var trimmed = answer.Trim();
        if (trimmed.Length == 0)
        {
            return new(null, ["The answer was empty. Reply with the script as one JSON object."]);
        }
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            return new(null, ["The answer was wrapped in a markdown code fence. Reply with the bare JSON object, starting with { and ending with }."]);
        }
        if (trimmed[0] != '{')
        {
            return new(null, ["The answer had text before or after the JSON object. Reply with the JSON object only, starting with { and ending with }, no explanation."]);
        }
        ScriptDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<ScriptDocument>(trimmed, ScriptDocument.Json);
        }
        catch (JsonException ex)
        {
            var cut = trimmed[^1] != '}' ? " It may have been cut off, or have text after the object." : "";
            return new(null, [$"The answer is not valid JSON for the schema ({ex.Message}).{cut} Reply with one JSON object with exactly the fields title, hook, scenes, captionText, hashtags, callToAction."]);
        }
        if (doc is null)
        {
            return new(null, ["The answer was JSON null. Reply with the script as one JSON object."]);
        }
        var problems = ScriptValidator.Validate(doc).ToList();
        if (problems.Count == 0)
        {
            problems.AddRange(ContentProblems(doc, request, bannedPhrases, wordsPerMinute));
        }
        return new(doc, problems);
    }

    private static IEnumerable<string> ContentProblems(ScriptDocument doc, ScriptRequest request, IReadOnlyList<string> bannedPhrases, double wordsPerMinute)
    {
        if (string.IsNullOrWhiteSpace(doc.Hook))
        {
            yield return "The hook is empty; write one short line that makes a viewer stay.";
        }
        foreach (var (field, text) in Texts(doc))
        {
            if (UrlPattern().IsMatch(text))
            {
                yield return $"{field} contains a web address; scripts are spoken and shown on screen, so leave links out.";
            }
            if (MarkdownPattern().IsMatch(text))
            {
                yield return $"{field} contains markdown formatting; write plain text.";
            }
            foreach (var phrase in bannedPhrases.Where(p => ContainsPhrase(text, p)))
            {
                yield return $"{field} uses the banned phrase \"{phrase}\"; say it another way.";
            }
        }

        var total = 0.0;
        for (var i = 0; i < doc.Scenes.Count; i++)
        {
            var scene = doc.Scenes[i];
            var speech = SpeechEstimate.Seconds(scene.Narration, wordsPerMinute);
            if (speech > scene.DurationSeconds * MaxSpeechOverClip)
            {
                yield return $"Scene {i + 1}'s narration takes about {speech:0.0} s to say but the scene lasts {scene.DurationSeconds:0.#} s; shorten it to at most {(int)(scene.DurationSeconds * MaxSpeechOverClip * wordsPerMinute / 60)} words or split the scene.";
            }
            total += Math.Max(scene.DurationSeconds, speech);
        }
        var (low, high) = (request.Seconds * (1 - LengthTolerance), request.Seconds * (1 + LengthTolerance));
        if (total < low || total > high)
        {
            var words = (int)(request.Seconds * wordsPerMinute / 60);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"The video would last about {total:0} s but the target is {request.Seconds} s ({low:0}–{high:0} s is fine); {(total < low ? "add scenes or narration" : "cut scenes or narration")}: about {words} words of narration in total.");
        }
    }

    private static IEnumerable<(string Field, string Text)> Texts(ScriptDocument doc)
    {
        yield return ("The title", doc.Title);
        yield return ("The hook", doc.Hook);
        for (var i = 0; i < doc.Scenes.Count; i++)
        {
            yield return ($"Scene {i + 1}'s narration", doc.Scenes[i].Narration);
            yield return ($"Scene {i + 1}'s visual", doc.Scenes[i].Visual);
        }
        yield return ("The caption text", doc.CaptionText);
        yield return ("The call to action", doc.CallToAction);
    }

    /// <summary>Case-insensitive, and only as whole words: "as an AI" is banned, "as an AIrline" is not.</summary>
    private static bool ContainsPhrase(string text, string phrase)
    {
        var at = 0;
        while ((at = text.IndexOf(phrase, at, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var end = at + phrase.Length;
            var startsWord = at == 0 || !char.IsLetterOrDigit(text[at - 1]) || !char.IsLetterOrDigit(phrase[0]);
            var endsWord = end >= text.Length || !char.IsLetterOrDigit(text[end]) || !char.IsLetterOrDigit(phrase[^1]);
            if (startsWord && endsWord)
            {
                return true;
            }
            at++;
        }
        return false;
    }

    public static IReadOnlyList<string> ParseBannedPhrases(string lines) =>
        lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    [GeneratedRegex(@"https?://|www\.|\b[\w-]+\.(com|net|org|io|ly|co|app|dev)\b", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"\*\*|__|`|^\s{0,3}#{1,6}\s|\[[^\]]*\]\([^)]*\)|^\s*[-*+]\s", RegexOptions.Multiline)]
    private static partial Regex MarkdownPattern();
}

/// <summary>How long a text takes to say, from a speaking rate: words for spaced scripts, characters for CJK.</summary>
public static class SpeechEstimate
{
    public static double Seconds(string text, double wordsPerMinute)
    {
        var plain = Narration.NarrationMarkup.Plain(text);
        var words = 0;
        var ideographs = 0;
        var inWord = false;
        foreach (var c in plain)
        {
            if (IsCjk(c))
            {
                ideographs++;
                inWord = false;
            }
            else if (char.IsLetterOrDigit(c))
            {
                if (!inWord)
                {
                    words++;
                }
                inWord = true;
            }
            else if (char.IsWhiteSpace(c) || char.IsPunctuation(c))
            {
                inWord = false;
            }
        }
        // About two CJK characters are said in the time of one English word.
        return (words + ideographs / 2.0) / wordsPerMinute * 60;
    }

    private static bool IsCjk(char c) => c is (>= '\u3040' and <= '\u30FF') or (>= '\u4E00' and <= '\u9FFF') or (>= '\uAC00' and <= '\uD7A3');
}
