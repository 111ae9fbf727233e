using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace ViralForge.Core.Trends;

public sealed class TrendOptions
{
    public const string Section = "Trends";

    /// <summary>How often the dispatcher looks for sources that are due.</summary>
    [Range(1, 600)]
    public int DispatchEverySeconds { get; set; } = 10;

    /// <summary>One request's limit; a hanging source fails after this.</summary>
    [Range(0.1, 300)]
    public double RequestTimeoutSeconds { get; set; } = 15;

    /// <summary>One fetch's limit, all its requests together, so a slow source never holds a worker long.</summary>
    [Range(5, 1800)]
    public double MaxRunSeconds { get; set; } = 90;

    /// <summary>A host's turn (shared limiter) is waited for at most this long; longer, and the fetch is retried later.</summary>
    [Range(0, 120)]
    public double MaxHostWaitSeconds { get; set; } = 5;

    /// <summary>Larger answers are refused.</summary>
    [Range(1024, 100_000_000)]
    public int MaxBodyBytes { get; set; } = 2_000_000;

    /// <summary>The first pause after a failure; it doubles with each failure in a row.</summary>
    [Range(0.1, 3600)]
    public double RetryBaseSeconds { get; set; } = 60;

    /// <summary>The longest pause between retries of a failing source (never longer than its schedule either).</summary>
    [Range(1, 1440)]
    public int MaxRetryMinutes { get; set; } = 60;

    /// <summary>Items not seen for this long go.</summary>
    [Range(1, 365)]
    public int KeepItemsDays { get; set; } = 14;

    public RedditOptions Reddit { get; set; } = new();
    public HackerNewsOptions HackerNews { get; set; } = new();
    public YouTubeTrendOptions YouTube { get; set; } = new();
}

public sealed class RedditOptions
{
    public string BaseUrl { get; set; } = "https://www.reddit.com/";
    /// <summary>Where listings are read with an app token.</summary>
    public string OAuthBaseUrl { get; set; } = "https://oauth.reddit.com/";
    /// <summary>Optional: a "script"/"web" app's id and secret make the studio read with an app-only token (higher limits).</summary>
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    /// <summary>The Reddit account responsible for the studio, as Reddit's User-Agent rules ask.</summary>
    public string Username { get; set; } = "viralforge";
}

public sealed class HackerNewsOptions
{
    public string BaseUrl { get; set; } = "https://hacker-news.firebaseio.com/v0/";
}

public sealed class YouTubeTrendOptions
{
    public string BaseUrl { get; set; } = "https://www.googleapis.com/youtube/v3/";
    /// <summary>A YouTube Data API key; sent in a header, never in the URL.</summary>
    public string? ApiKey { get; set; }
}

/// <summary>A source's kind-specific choices.</summary>
public sealed record TrendSourceSettings
{
    /// <summary>Reddit: hot, new, top, rising.</summary>
    public string? Sort { get; init; }
    /// <summary>JSON: where the list is ("data.items"; empty for a top-level array).</summary>
    public string? ItemsPath { get; init; }
    public string? IdField { get; init; }
    public string? TitleField { get; init; }
    public string? UrlField { get; init; }
    public string? ScoreField { get; init; }
    public string? TimeField { get; init; }
    public string? SummaryField { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static TrendSourceSettings Parse(string? json)
    {
        try
        {
            return string.IsNullOrWhiteSpace(json) ? new() : JsonSerializer.Deserialize<TrendSourceSettings>(json, Json) ?? new();
        }
        catch (JsonException)
        {
            return new();
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
