using System.Text;

namespace ViralForge.Core.Narration.Alignment;

/// <summary>A word a recogniser heard, with when (seconds into the phrase).</summary>
public sealed record HeardWord(string Text, double Start, double End);

/// <summary>
/// Times a phrase's script words from what a recogniser heard: the two word lists are matched in
/// order (the longest common subsequence of their letters and digits), matched words take the heard
/// times, and words it heard otherwise ("42" for "forty-two", a name spelt another way) share the gap
/// between their matched neighbours by length, as the estimate does. Too few matches means the sound
/// is not this text, and nothing is returned.
/// </summary>
public static class HeardWordMatcher
{
    public static IReadOnlyList<WordTiming>? Match(
        IReadOnlyList<(string Word, IReadOnlyList<string> Tokens)> script, IReadOnlyList<HeardWord> heard,
        double seconds, double minimumMatchedShare)
    {
        var said = script.Select(w => Forms(w.Word, w.Tokens)).ToList();
        var sayable = said.Count(f => f.Count > 0);
        var heardForms = heard.Select(h => Normalise(h.Text)).ToList();
        if (sayable == 0)
        {
            return null;
        }

        // Longest common subsequence: lengths[i, j] over script[i..] and heard[j..].
        var lengths = new int[said.Count + 1, heardForms.Count + 1];
        for (var i = said.Count - 1; i >= 0; i--)
        {
            for (var j = heardForms.Count - 1; j >= 0; j--)
            {
                lengths[i, j] = Same(said[i], heardForms[j])
                    ? lengths[i + 1, j + 1] + 1
                    : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }
        if (lengths[0, 0] < minimumMatchedShare * sayable)
        {
            return null;
        }
        var match = new HeardWord?[said.Count];
        for (int i = 0, j = 0; i < said.Count && j < heardForms.Count;)
        {
            if (Same(said[i], heardForms[j]) && lengths[i, j] == lengths[i + 1, j + 1] + 1)
            {
                match[i++] = heard[j++];
            }
            else if (lengths[i + 1, j] >= lengths[i, j + 1])
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        return Times(script, match, seconds);
    }

    private static List<WordTiming> Times(IReadOnlyList<(string Word, IReadOnlyList<string> Tokens)> script, HeardWord?[] match, double seconds)
    {
        var starts = new double[script.Count];
        var ends = new double[script.Count];
        var i = 0;
        while (i < script.Count)
        {
            if (match[i] is { } heard)
            {
                starts[i] = Math.Clamp(heard.Start, i > 0 ? starts[i - 1] : 0, seconds);
                ends[i] = Math.Clamp(heard.End, starts[i], seconds);
                i++;
                continue;
            }
            // A run of unmatched words fills the gap to the next matched word, by length.
            var runEnd = i;
            while (runEnd < script.Count && match[runEnd] is null)
            {
                runEnd++;
            }
            var from = i > 0 ? ends[i - 1] : 0;
            var to = runEnd < script.Count ? Math.Clamp(match[runEnd]!.Start, from, seconds) : seconds;
            var weights = Enumerable.Range(i, runEnd - i).Select(k => script[k].Word.Count(char.IsLetterOrDigit) + 1).ToList();
            var total = (double)weights.Sum();
            var cursor = from;
            for (var k = i; k < runEnd; k++)
            {
                starts[k] = cursor;
                cursor += (to - from) * weights[k - i] / total;
                ends[k] = cursor;
            }
            i = runEnd;
        }
        // A word runs on to the next one's start unless the recogniser heard it end sooner.
        for (var k = 0; k + 1 < script.Count; k++)
        {
            ends[k] = match[k] is null ? starts[k + 1] : Math.Min(ends[k], starts[k + 1]);
        }
        return script.Select((w, k) => new WordTiming(w.Word, Math.Round(starts[k], 3), Math.Round(Math.Max(ends[k], starts[k]), 3))).ToList();
    }

    private static bool Same(IReadOnlyList<string> forms, string heard) => heard.Length > 0 && forms.Contains(heard);

    /// <summary>How a script word may be written when heard: as written, or as its dictionary respelling.</summary>
    private static List<string> Forms(string word, IReadOnlyList<string> tokens)
    {
        var forms = new List<string> { Normalise(word) };
        if (!tokens.Any(t => t.StartsWith("[[", StringComparison.Ordinal)))
        {
            forms.Add(Normalise(string.Concat(tokens)));
        }
        return forms.Where(f => f.Length > 0).Distinct().ToList();
    }

    internal static string Normalise(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormC))
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }
        return builder.ToString();
    }
}
