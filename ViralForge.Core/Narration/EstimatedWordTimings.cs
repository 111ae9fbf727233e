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
        var tokens = WordPattern().Matches(span)
            .Select(m => (Word: text.Display(spanStart + m.Index, m.Length, m.Value), Weight: m.Value.Count(char.IsLetterOrDigit) + 1))
            .ToList();
        // Several spoken tokens of one dictionary replacement are one script word.
        var merged = new List<(string Word, int Weight)>();
        foreach (var t in tokens)
        {
            if (merged.Count > 0 && merged[^1].Word == t.Word && text.Replacements.Any(r => r.Original == t.Word))
            {
                merged[^1] = (t.Word, merged[^1].Weight + t.Weight);
            }
            else
            {
                merged.Add(t);
            }
        }
        var total = merged.Sum(t => t.Weight);
        var cursor = (double)first;
        foreach (var (word, weight) in merged)
        {
            var end = cursor + (last - first) * (double)weight / total;
            yield return new WordTiming(word, Math.Round(cursor / sampleRate, 3), Math.Round(end / sampleRate, 3));
            cursor = end;
        }
    }

    [GeneratedRegex(@"\[\[.*?\]\]|\S+")]
    private static partial Regex WordPattern();
}
