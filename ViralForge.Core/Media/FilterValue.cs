using System.Text;

namespace ViralForge.Core.Media;

/// <summary>
/// Escapes a value (a file path) for an option of a filter inside an ffmpeg filtergraph: once for the
/// filter's option parser (<c>\ ' :</c>), then once for the graph parser (<c>\ ' [ ] , ;</c>). Without it a
/// storage folder with a colon, comma or quote in its name breaks every filter that names a file.
/// </summary>
public static class FilterValue
{
    public static string Escape(string value) => Backslash(Backslash(value, @"\':"), @"\'[],;");

    /// <summary>
    /// A drawtext filter that reads its text from a file and draws it as written: never parsed as filter
    /// syntax, never %-expanded ("50% off" would otherwise draw nothing at all).
    /// </summary>
    public static string DrawText(string fontFile, string textFile, string options) =>
        $"drawtext=fontfile={Escape(fontFile)}:textfile={Escape(textFile)}:expansion=none:{options}";

    private static string Backslash(string value, string special)
    {
        if (value.AsSpan().IndexOfAny(special) < 0)
        {
            return value;
        }
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (special.Contains(c))
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
