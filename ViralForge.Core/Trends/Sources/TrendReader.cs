using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ViralForge.Core.Trends.Sources;

/// <summary>A related news story (Google Trends lists several per trend).</summary>
public sealed record TrendNews(string Title, string? Url, string? Outlet);

/// <summary>One item as a source gave it, before cleaning.</summary>
public sealed record FetchedTrend(string ExternalId, string? Title)
{
    public string? Summary { get; init; }
    public string? Url { get; init; }
    public double Score { get; init; }
    public DateTimeOffset? PublishedAt { get; init; }
    public string? Language { get; init; }
    public string? Traffic { get; init; }
    public string? PictureUrl { get; init; }
    public IReadOnlyList<TrendNews> News { get; init; } = [];
}

/// <summary>One kind of source: reads its items through the fetch's requests (budgeted, limited, cached).</summary>
public interface ITrendReader
{
    TrendSourceKind Kind { get; }

    /// <summary>Why a source of this kind cannot be read on this studio (a missing key), or null.</summary>
    string? Unconfigured { get; }

    /// <summary>What is wrong with an address and settings an admin typed, or null.</summary>
    string? Validate(string address, TrendSourceSettings settings);

    /// <summary>Adds items to <paramref name="into"/> as they are read, so a fetch cut short keeps what it got.</summary>
    Task ReadAsync(TrendSource source, TrendRequests requests, List<FetchedTrend> into, CancellationToken ct);
}

/// <summary>What the JSON readers share: bounded parsing and the failure in plain words.</summary>
internal static class TrendJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static JsonDocument Parse(SourceAnswer answer, string what)
    {
        try
        {
            return JsonDocument.Parse(answer.Body, Options);
        }
        catch (JsonException ex)
        {
            var kind = answer.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase) ? $" (it sent {type})" : "";
            throw new TrendSourceException($"The {what} is not valid JSON{kind}: {ex.Message.Split(" Path:")[0]}", null, ex);
        }
    }

    public static string? String(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? AsString(v) : null;

    public static string? AsString(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    public static double Number(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? AsNumber(v) ?? 0 : 0;

    public static double? AsNumber(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number when v.TryGetDouble(out var d) && double.IsFinite(d) => d,
        JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        _ => null,
    };

    public static bool Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    /// <summary>Unix seconds (or milliseconds, when too large for seconds), or an ISO 8601 / RFC 1123 string.</summary>
    public static DateTimeOffset? Time(JsonElement v)
    {
        if (AsNumber(v) is { } n && v.ValueKind == JsonValueKind.Number)
        {
            return n switch
            {
                > 1e14 or < 0 => null,
                > 1e11 => DateTimeOffset.FromUnixTimeMilliseconds((long)n),
                _ => DateTimeOffset.FromUnixTimeSeconds((long)n),
            };
        }
        return v.ValueKind == JsonValueKind.String ? TrendDates.Parse(v.GetString()) : null;
    }
}

/// <summary>Dates as feeds really write them: RFC 822 with named zones, ISO 8601, no seconds, two-digit years.</summary>
public static class TrendDates
{
    private static readonly Dictionary<string, string> Zones = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UT"] = "+00:00", ["UTC"] = "+00:00", ["GMT"] = "+00:00", ["Z"] = "+00:00",
        ["EST"] = "-05:00", ["EDT"] = "-04:00", ["CST"] = "-06:00", ["CDT"] = "-05:00",
        ["MST"] = "-07:00", ["MDT"] = "-06:00", ["PST"] = "-08:00", ["PDT"] = "-07:00",
        ["CET"] = "+01:00", ["CEST"] = "+02:00", ["BST"] = "+01:00", ["IST"] = "+05:30", ["JST"] = "+09:00", ["AEST"] = "+10:00",
    };

    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 100)
        {
            return null;
        }
        var s = text.Trim();
        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var direct))
        {
            return Sane(direct);
        }
        // "Mon, 2 Dec 2024 04:50:00 PST": drop the day name, turn the zone into an offset.
        var comma = s.IndexOf(',', StringComparison.Ordinal);
        if (comma is > 0 and < 12)
        {
            s = s[(comma + 1)..].Trim();
        }
        var parts = s.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (parts.Count > 0 && Zones.TryGetValue(parts[^1], out var offset))
        {
            parts[^1] = offset;
        }
        else if (parts.Count > 0 && parts[^1] is { Length: 5 } numeric && (numeric[0] is '+' or '-') && numeric[1..].All(char.IsAsciiDigit))
        {
            parts[^1] = numeric[..3] + ":" + numeric[3..];
        }
        var rebuilt = new StringBuilder(string.Join(' ', parts)).ToString();
        string[] formats = ["d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm zzz", "d MMM yy HH:mm:ss zzz", "d MMM yy HH:mm zzz", "d MMM yyyy HH:mm:ss", "d MMM yyyy"];
        return DateTimeOffset.TryParseExact(rebuilt, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed)
            ? Sane(parsed)
            : null;
    }

    /// <summary>A date far in the future is a broken feed, not news from tomorrow; it would sort above everything.</summary>
    private static DateTimeOffset? Sane(DateTimeOffset value) =>
        value.Year < 1995 || value > DateTimeOffset.UtcNow.AddDays(2) ? null : value.ToUniversalTime();
}
