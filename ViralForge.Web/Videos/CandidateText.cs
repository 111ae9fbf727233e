using System.Globalization;
using System.Text.Json;

namespace ViralForge.Web.Videos;

public enum CandidateMedia
{
    Audio,
    Video,
    Image,
}

/// <summary>What the video page says of a candidate: what its stage measured, or where stock media came from.</summary>
public static class CandidateText
{
    public static string Narration(JsonElement info)
    {
        var score = info.GetProperty("score");
        return string.Create(CultureInfo.CurrentCulture,
            $"score {score.GetProperty("total").GetDouble():0.#} · {score.GetProperty("seconds").GetDouble():0.0} s · {score.GetProperty("wordsPerMinute").GetDouble():0} wpm");
    }

    public static IEnumerable<string> NarrationNotes(JsonElement info) =>
        info.GetProperty("score").GetProperty("problems").EnumerateArray().Select(p => p.GetString() ?? "");

    /// <summary>An SVD clip's seed and drift measures, or a stock clip's source.</summary>
    public static string Clip(JsonElement info) => info.TryGetProperty("drift", out var drift)
        ? string.Create(CultureInfo.CurrentCulture,
            $"seed {info.GetProperty("seed").GetInt64()} · sharpness kept {drift.GetProperty("sharpnessRatio").GetDouble():P0} · similarity {drift.GetProperty("minSimilarity").GetDouble():0.00}")
        : Stock(info);

    public static IEnumerable<string> ClipNotes(JsonElement info)
    {
        if (info.TryGetProperty("drift", out var drift) && drift.TryGetProperty("rejected", out var r) && r.ValueKind == JsonValueKind.String)
        {
            yield return $"Rejected by the drift gate: {r.GetString()}";
        }
        foreach (var note in StockNotes(info))
        {
            yield return note;
        }
    }

    /// <summary>A keyframe: a generated picture's seed and prompt, or a stock photo's source.</summary>
    public static string Keyframe(JsonElement info) => Text(info, "source") == "generated" && info.TryGetProperty("seed", out var seed)
        ? string.Create(CultureInfo.CurrentCulture, $"generated · seed {seed.GetInt64()} · {info.GetProperty("steps").GetInt32()} step(s) · “{Text(info, "prompt")}”")
        : Stock(info);

    /// <summary>A stock photo or clip: provider, author, and what was searched.</summary>
    public static string Stock(JsonElement info)
    {
        var parts = new List<string>();
        if (Text(info, "provider") is { } provider)
        {
            parts.Add(provider);
        }
        if (Text(info, "author") is { } author)
        {
            parts.Add($"by {author}");
        }
        if (Text(info, "terms") is { } terms)
        {
            parts.Add($"“{terms}”");
        }
        return parts.Count == 0 ? Text(info, "engine") ?? Text(info, "source") ?? "candidate" : string.Join(" · ", parts);
    }

    public static IEnumerable<string> StockNotes(JsonElement info)
    {
        if (info.TryGetProperty("usedRecently", out var recent) && recent.ValueKind == JsonValueKind.True)
        {
            yield return "Used in one of the channel's recent videos; not picked by itself.";
        }
    }

    private static string? Text(JsonElement info, string name) =>
        info.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}
