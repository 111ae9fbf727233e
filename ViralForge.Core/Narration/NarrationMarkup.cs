using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ViralForge.Core.Narration;

/// <summary>A piece of narration: words spoken in one breath, or a pause between them.</summary>
public abstract record NarrationSegment;

public sealed record SpokenPhrase(string Text, bool Emphasis) : NarrationSegment;

public sealed record Pause(double Seconds) : NarrationSegment;

/// <summary>
/// The small markup creators write inside narration: <c>[pause]</c> (half a second),
/// <c>[pause 300ms]</c> or <c>[pause 1.5s]</c> (up to 3 s), and <c>*words to stress*</c>.
/// Everything else is spoken as written; captions show the words without the markup.
/// </summary>
public static partial class NarrationMarkup
{
    public const double DefaultPauseSeconds = 0.5;
    public const double MaxPauseSeconds = 3;

    public const string Help = "Markup: [pause] (0.5 s), [pause 300ms] or [pause 1.5s] (up to 3 s), *stressed words*.";

    public static IReadOnlyList<NarrationSegment> Parse(string narration)
    {
        var errors = Validate(narration);
        if (errors.Count > 0)
        {
            throw new FormatException(errors[0]);
        }
        var segments = new List<NarrationSegment>();
        var position = 0;
        foreach (Match tag in TagPattern().Matches(narration))
        {
            AddPhrases(segments, narration[position..tag.Index]);
            segments.Add(new Pause(PauseSeconds(tag)!.Value));
            position = tag.Index + tag.Length;
        }
        AddPhrases(segments, narration[position..]);
        return segments;
    }

    /// <summary>What the narration says, without markup: for captions, word counts and the dictionary highlight.</summary>
    public static string Plain(string narration) =>
        Whitespace().Replace(TagPattern().Replace(narration, " ").Replace("*", "", StringComparison.Ordinal), " ").Trim();

    public static IReadOnlyList<string> Validate(string narration)
    {
        var errors = new List<string>();
        foreach (Match tag in AnyBracket().Matches(narration))
        {
            if (tag.Value.StartsWith("[[", StringComparison.Ordinal))
            {
                continue;
            }
            if (!TagPattern().IsMatch(tag.Value))
            {
                errors.Add($"\"{tag.Value}\" is not narration markup. {Help}");
            }
            else if (PauseSeconds(TagPattern().Match(tag.Value)) is not { } seconds || seconds is <= 0 or > MaxPauseSeconds)
            {
                errors.Add($"\"{tag.Value}\": a pause lasts more than 0 and at most {MaxPauseSeconds} s.");
            }
        }
        if (narration.Count(c => c == '*') % 2 != 0)
        {
            errors.Add("An emphasis mark (*) is not closed: write *words to stress*.");
        }
        if (narration.Trim().Length > 0 && Plain(narration).Length == 0)
        {
            errors.Add("The narration has no words to speak.");
        }
        return errors;
    }

    private static void AddPhrases(List<NarrationSegment> segments, string text)
    {
        var parts = text.Split('*');
        for (var i = 0; i < parts.Length; i++)
        {
            var phrase = Whitespace().Replace(parts[i], " ").Trim();
            if (phrase.Length > 0)
            {
                segments.Add(new SpokenPhrase(phrase, Emphasis: i % 2 == 1));
            }
        }
    }

    private static double? PauseSeconds(Match tag)
    {
        if (!tag.Groups["n"].Success)
        {
            return DefaultPauseSeconds;
        }
        if (!double.TryParse(tag.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }
        return tag.Groups["unit"].Value.Equals("ms", StringComparison.OrdinalIgnoreCase) ? n / 1000 : n;
    }

    [GeneratedRegex(@"\[\s*pause(?:\s+(?<n>\d+(?:\.\d+)?)\s*(?<unit>ms|s))?\s*\]", RegexOptions.IgnoreCase)]
    private static partial Regex TagPattern();

    // Dictionary phoneme entries use [[...]]; they are not markup.
    [GeneratedRegex(@"\[\[.*?\]\]|\[[^\[\]]*\]")]
    private static partial Regex AnyBracket();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
