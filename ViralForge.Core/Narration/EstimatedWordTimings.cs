using System.Text.RegularExpressions;

namespace ViralForge.Core.Narration;

/// <summary>
/// Word timings for engines that give none (Piper, a speech endpoint): a span's words spread across
/// its sounding part (leading and trailing silence skipped), each in proportion to its letters.
/// </summary>
public static partial class EstimatedWordTimings
{
    private const int SilenceLevel = 300;

    /// <param name="span">The spoken text these samples say, which starts at <paramref name="spanStart"/> in <paramref name="text"/>.</param>
    public static IEnumerable<WordTiming> Spread(RewrittenText text, string span, int spanStart, int from, int to, IReadOnlyList<short> samples, int sampleRate)
    {
        var first = from;
        while (first < to && Math.Abs((int)samples[first]) < SilenceLevel) first++;
        var last = to;
        while (last > first && Math.Abs((int)samples[last - 1]) < SilenceLevel) last--;
        var merged = SpokenWords(text, span, spanStart);
        var total = merged.Sum(t => t.Weight);
        var cursor = (double)first;
        foreach (var (word, _, weight) in merged)
        {
            var end = cursor + (last - first) * (double)weight / total;
            yield return new WordTiming(word, Math.Round(cursor / sampleRate, 3), Math.Round(end / sampleRate, 3));
            cursor = end;
        }
    }

    /// <summary>
    /// The script's words in a span of spoken text, each with the spoken tokens that say it (several when a
    /// dictionary replacement says one word as several) and a weight by letters.
    /// </summary>
    public static IReadOnlyList<(string Word, IReadOnlyList<string> Tokens, int Weight)> SpokenWords(RewrittenText text, string span, int spanStart)
    {
        var merged = new List<(string Word, IReadOnlyList<string> Tokens, int Weight)>();
        // A token with no letter or digit (a dash, an emoji) is not said, so it is no caption word (as with espeak-ng).
        foreach (Match m in WordPattern().Matches(span).Where(m => m.Value.StartsWith("[[", StringComparison.Ordinal) || m.Value.Any(char.IsLetterOrDigit)))
        {
            var word = text.Display(spanStart + m.Index, m.Length, m.Value);
            var weight = m.Value.Count(char.IsLetterOrDigit) + 1;
            if (merged.Count > 0 && merged[^1].Word == word && text.Replacements.Any(r => r.Original == word))
            {
                merged[^1] = (word, [.. merged[^1].Tokens, m.Value], merged[^1].Weight + weight);
            }
            else
            {
                merged.Add((word, [m.Value], weight));
            }
        }
        return merged;
    }

    [GeneratedRegex(@"\[\[.*?\]\]|\S+")]
    private static partial Regex WordPattern();
}
