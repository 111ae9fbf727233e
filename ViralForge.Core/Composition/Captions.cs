using System.Globalization;
using System.Text;
using System.Text.Json;
using ViralForge.Core.Narration;

namespace ViralForge.Core.Composition;

public sealed record CaptionStyle(string Name, string Font, int Size, string Text, string Highlight, string Outline, int OutlineWidth, bool Boxed)
{
    /// <summary>ASS colours are &amp;HAABBGGRR.</summary>
    public static readonly IReadOnlyDictionary<string, CaptionStyle> Presets = new Dictionary<string, CaptionStyle>
    {
        ["bold"] = new("bold", "DejaVu Sans", 80, "&H00FFFFFF", "&H0000D7FF", "&H00000000", 6, false),
        ["boxed"] = new("boxed", "DejaVu Sans", 70, "&H00FFFFFF", "&H00FFFF00", "&H80000000", 14, true),
        ["minimal"] = new("minimal", "DejaVu Sans", 62, "&H00F0F0F0", "&H0066CCFF", "&H00202020", 3, false),
    };
}

/// <summary>One caption event: a few words on screen, one of them being spoken (highlighted).</summary>
public sealed record CaptionCue(double Start, double End, IReadOnlyList<string> Words, int Spoken);

/// <summary>
/// Word-timed captions as an ASS file for libass: words grouped into short lines, one event per
/// spoken word with that word highlighted, inside the platform safe area.
/// </summary>
public static class Captions
{
    public const int Width = 1080;
    public const int Height = 1920;

    /// <summary>Platform UIs cover the bottom fifth and a right-hand rail; captions sit above and left of them.</summary>
    public const int MarginBottom = 560;
    public const int MarginLeft = 90;
    public const int MarginRight = 170;

    public const int MaxWordsPerLine = 3;
    public const int MaxCharsPerLine = 18;

    /// <summary>Word timings from a narration artifact's media info; none when it has none.</summary>
    public static IReadOnlyList<WordTiming> WordsOf(string? mediaInfoJson)
    {
        if (mediaInfoJson is null)
        {
            return [];
        }
        using var doc = JsonDocument.Parse(mediaInfoJson);
        if (!doc.RootElement.TryGetProperty("words", out var words))
        {
            return [];
        }
        return words.EnumerateArray()
            .Select(w => new WordTiming(w.GetProperty("word").GetString() ?? "", w.GetProperty("start").GetDouble(), w.GetProperty("end").GetDouble()))
            .ToList();
    }

    /// <summary>Cues for every scene, each word shifted by its scene's start in the final cut.</summary>
    public static List<CaptionCue> Cues(IReadOnlyList<(double SceneStart, IReadOnlyList<WordTiming> Words)> scenes)
    {
        var cues = new List<CaptionCue>();
        foreach (var (sceneStart, words) in scenes)
        {
            foreach (var line in Lines(words))
            {
                for (var i = 0; i < line.Count; i++)
                {
                    var start = sceneStart + line[i].Start;
                    var end = sceneStart + (i + 1 < line.Count ? line[i + 1].Start : line[i].End);
                    cues.Add(new CaptionCue(start, Math.Max(end, start + 0.05), line.Select(w => w.Word).ToList(), i));
                }
            }
        }
        return cues;
    }

    /// <summary>Short lines: at most three words or 18 characters, and a line ends at punctuation.</summary>
    internal static List<List<WordTiming>> Lines(IReadOnlyList<WordTiming> words)
    {
        var lines = new List<List<WordTiming>>();
        var current = new List<WordTiming>();
        foreach (var word in words)
        {
            var length = current.Sum(w => w.Word.Length + 1) + word.Word.Length;
            if (current.Count > 0 && (current.Count >= MaxWordsPerLine || length > MaxCharsPerLine))
            {
                lines.Add(current);
                current = [];
            }
            current.Add(word);
            if (word.Word.Length > 0 && ".,!?;:".Contains(word.Word[^1]))
            {
                lines.Add(current);
                current = [];
            }
        }
        if (current.Count > 0)
        {
            lines.Add(current);
        }
        return lines;
    }

    public static string Ass(IReadOnlyList<CaptionCue> cues, CaptionStyle style)
    {
        var ass = new StringBuilder();
        ass.AppendLine("[Script Info]");
        ass.AppendLine("ScriptType: v4.00+");
        ass.AppendLine(CultureInfo.InvariantCulture, $"PlayResX: {Width}");
        ass.AppendLine(CultureInfo.InvariantCulture, $"PlayResY: {Height}");
        ass.AppendLine("WrapStyle: 0");
        ass.AppendLine("ScaledBorderAndShadow: yes");
        ass.AppendLine();
        ass.AppendLine("[V4+ Styles]");
        ass.AppendLine("Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding");
        ass.AppendLine(CultureInfo.InvariantCulture,
            $"Style: Caption,{style.Font},{style.Size},{style.Text},{style.Highlight},{style.Outline},{style.Outline},1,0,0,0,100,100,0,0,{(style.Boxed ? 3 : 1)},{style.OutlineWidth},0,2,{MarginLeft},{MarginRight},{MarginBottom},1");
        ass.AppendLine();
        ass.AppendLine("[Events]");
        ass.AppendLine("Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text");
        foreach (var cue in cues)
        {
            var text = string.Join(' ', cue.Words.Select((w, i) => i == cue.Spoken ? $"{{\\c{style.Highlight}}}{Escape(w)}{{\\c{style.Text}}}" : Escape(w)));
            ass.AppendLine(CultureInfo.InvariantCulture, $"Dialogue: 0,{Time(cue.Start)},{Time(cue.End)},Caption,,0,0,0,,{text}");
        }
        return ass.ToString();
    }

    /// <summary>ASS time: h:mm:ss.cc.</summary>
    internal static string Time(double seconds)
    {
        var cs = (long)Math.Round(Math.Max(0, seconds) * 100);
        return string.Create(CultureInfo.InvariantCulture, $"{cs / 360000}:{cs / 6000 % 60:00}:{cs / 100 % 60:00}.{cs % 100:00}");
    }

    // Braces start override blocks and a backslash starts a tag: neither may come from the script.
    private static string Escape(string word) => word.Replace("\\", "/", StringComparison.Ordinal).Replace("{", "(", StringComparison.Ordinal).Replace("}", ")", StringComparison.Ordinal);
}
