using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ViralForge.Core.Script;

namespace ViralForge.Core.Sheets;

/// <summary>One row of the Briefs tab, read and judged on its own: its problems never touch other rows.</summary>
public sealed record BriefRow(int SheetRow, string Topic, string Tone, int Seconds, string? Voice, string? Channel, bool Go, Guid? VideoInRow, IReadOnlyList<string> Problems)
{
    public static readonly string[] Required = ["topic", "go", "status"];

    public string TopicKey => Trends.TrendText.TitleKey(Topic) is { Length: > 0 } key ? key : Topic.Trim().ToLowerInvariant();

    /// <summary>What the draft is made from; a later edit changes it.</summary>
    public string ContentHash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{Topic}\n{Tone}\n{Seconds}\n{Voice}\n{Channel}")))[..32];

    public static BriefRow Read(SheetTable table, int index, int maxCellChars)
    {
        var problems = new List<string>();
        string Cell(string column)
        {
            if (table.Cell(index, column) is not { } cell)
            {
                return "";
            }
            var text = SheetTable.AsText(cell);
            if (text.StartsWith('='))
            {
                problems.Add($"The {column} cell holds a formula; type the value itself (formulas are not read).");
                return "";
            }
            if (text.Length > maxCellChars)
            {
                problems.Add($"The {column} cell is {text.Length:N0} characters long; at most {maxCellChars:N0} are read.");
                return "";
            }
            return text.Trim();
        }

        var topic = UntrustedText.Clean(Cell("topic"), int.MaxValue).Text;
        var tone = UntrustedText.Clean(Cell("tone"), int.MaxValue).Text;
        var secondsText = Cell("seconds");
        var seconds = 30;
        if (secondsText.Length > 0)
        {
            if (double.TryParse(secondsText, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s == Math.Floor(s) && Math.Abs(s) < 1e6)
            {
                seconds = (int)s;
            }
            else
            {
                problems.Add($"Seconds must be a whole number ({ScriptRequest.MinSeconds}–{ScriptRequest.MaxSeconds}), not “{Trends.TrendText.Clean(secondsText, 20)}”.");
            }
        }
        problems.AddRange(new ScriptRequest(topic, tone.Length == 0 ? "informative" : tone, seconds, "en").Validate());
        var goCell = table.Cell(index, "go");
        var go = goCell is { ValueKind: JsonValueKind.True } || Cell("go").ToLowerInvariant() is "true" or "yes" or "x" or "✓" or "✔" or "1";
        var videoText = Cell("video");
        Guid? video = null;
        if (videoText.Length > 0)
        {
            var id = videoText.TrimEnd('/').Split('/')[^1];
            video = Guid.TryParse(id, out var g) ? g : null;
        }
        return new BriefRow(SheetTable.SheetRow(index), topic, tone.Length == 0 ? "informative" : tone, seconds,
            Cell("voice") is { Length: > 0 } v ? v : null, Cell("channel") is { Length: > 0 } c ? c : null, go, video, problems.Distinct().ToList());
    }

    /// <summary>The same row always makes the same video id, so a retried sync can never make a second video.</summary>
    public Guid VideoIdFor(string spreadsheetId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"sheet-brief\n{spreadsheetId}\n{TopicKey}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
