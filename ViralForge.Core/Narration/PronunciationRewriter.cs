using System.Text;
using System.Text.RegularExpressions;
using ViralForge.Core.Data;

namespace ViralForge.Core.Narration;

/// <summary>A replacement made in the text given to the voice, mapped back to what the script says.</summary>
public sealed record Replacement(int Start, int Length, string Original, int OriginalStart, string SaysAs);

public sealed record RewrittenText(string Spoken, IReadOnlyList<Replacement> Replacements)
{
    /// <summary>The script's own words for a span of the spoken text (captions show what the script says).</summary>
    public string Display(int start, int length, string spokenWord)
    {
        var hit = Replacements.FirstOrDefault(r => start < r.Start + r.Length && r.Start < start + Math.Max(1, length));
        return hit is null ? spokenWord : hit.Original;
    }
}

/// <summary>
/// Applies the pronunciation dictionary before synthesis: whole-word (or anywhere), case-sensitive
/// or not, for the voice's language, longest terms first; phoneme entries go in as espeak-ng's
/// [[phonemes]] input.
/// </summary>
public static partial class PronunciationRewriter
{
    public static bool AppliesTo(Pronunciation entry, string voice)
    {
        var language = entry.Language.Trim().ToLowerInvariant();
        var spoken = voice.ToLowerInvariant();
        return language is "" or "*" || spoken == language || spoken.StartsWith(language + "-", StringComparison.Ordinal);
    }

    public static string? Validate(Pronunciation entry)
    {
        if (string.IsNullOrWhiteSpace(entry.Term) || entry.Term.Length > 100)
        {
            return "The term must be 1–100 characters.";
        }
        if (string.IsNullOrWhiteSpace(entry.SaysAs) || entry.SaysAs.Length > 200)
        {
            return "How to say it must be 1–200 characters.";
        }
        if (entry.SaysAs.Contains('[') || entry.SaysAs.Contains(']') || entry.SaysAs.Any(char.IsControl))
        {
            return "How to say it may not contain brackets or control characters.";
        }
        return entry.Language.Length > 16 ? "The language is a code like en, en-gb or fr (or * for all)." : null;
    }

    public static RewrittenText Apply(string text, string voice, IEnumerable<Pronunciation> dictionary)
    {
        var matches = new List<(int Index, int Length, Pronunciation Entry)>();
        foreach (var entry in dictionary.Where(e => AppliesTo(e, voice) && Validate(e) is null).OrderByDescending(e => e.Term.Length))
        {
            var pattern = Regex.Escape(entry.Term.Trim());
            if (entry.WholeWord)
            {
                pattern = $@"(?<![\p{{L}}\p{{N}}_]){pattern}(?![\p{{L}}\p{{N}}_])";
            }
            var options = entry.CaseSensitive ? RegexOptions.CultureInvariant : RegexOptions.CultureInvariant | RegexOptions.IgnoreCase;
            foreach (Match m in Regex.Matches(text, pattern, options, TimeSpan.FromSeconds(1)))
            {
                // Longer terms were placed first; a shorter one never splits them.
                if (!matches.Any(x => m.Index < x.Index + x.Length && x.Index < m.Index + m.Length))
                {
                    matches.Add((m.Index, m.Length, entry));
                }
            }
        }
        var spoken = new StringBuilder();
        var replacements = new List<Replacement>();
        var at = 0;
        foreach (var (index, length, entry) in matches.OrderBy(x => x.Index))
        {
            spoken.Append(text, at, index - at);
            var says = entry.IsPhonemes ? $"[[{entry.SaysAs.Trim()}]]" : entry.SaysAs.Trim();
            replacements.Add(new Replacement(spoken.Length, says.Length, text.Substring(index, length), index, says));
            spoken.Append(says);
            at = index + length;
        }
        spoken.Append(text, at, text.Length - at);
        return new RewrittenText(spoken.ToString(), replacements);
    }
}
