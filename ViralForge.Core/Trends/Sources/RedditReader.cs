using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Trends.Sources;

/// <summary>
/// Subreddit listings (several subreddits in one request, as "a+b"), with the User-Agent Reddit asks
/// for; with an app's client id and secret configured, read with an app-only OAuth token from
/// oauth.reddit.com. Its X-Ratelimit-* headers are obeyed by the shared host limiter.
/// </summary>
public sealed class RedditReader(IOptions<TrendOptions> options, TimeProvider time) : ITrendReader
{
    public static readonly string[] Sorts = ["hot", "new", "top", "rising"];

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> _tokens = new();

    public TrendSourceKind Kind => TrendSourceKind.Reddit;
    public string? Unconfigured => null;

    private RedditOptions Reddit => options.Value.Reddit;

    /// <summary>Reddit's required form: platform:app id:version (by /u/username).</summary>
    public string UserAgent => $"server:viralforge:{typeof(RedditReader).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"} (by /u/{Reddit.Username})";

    public string? Validate(string address, TrendSourceSettings settings)
    {
        var subs = Subreddits(address);
        if (subs.Count == 0)
        {
            return "Name one or more subreddits, comma-separated (for example: videos, technology).";
        }
        if (subs.FirstOrDefault(s => s.Length > 21 || !s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')) is { } bad)
        {
            return $"“{bad}” is not a subreddit name (letters, digits and _, up to 21).";
        }
        return settings.Sort is null || Sorts.Contains(settings.Sort) ? null : $"Sort by one of: {string.Join(", ", Sorts)}.";
    }

    public static IReadOnlyList<string> Subreddits(string address) =>
        address.Split([',', '+', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.StartsWith("r/", StringComparison.OrdinalIgnoreCase) ? s[2..] : s).Where(s => s.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    public async Task ReadAsync(TrendSource source, TrendRequests requests, List<FetchedTrend> into, CancellationToken ct)
    {
        var settings = TrendSourceSettings.Parse(source.SettingsJson);
        var path = $"r/{string.Join('+', Subreddits(source.Address))}/{settings.Sort ?? "hot"}";
        var limit = Math.Clamp(source.MaxItems, 1, 100);
        var token = await TokenAsync(requests, ct);
        var url = token is null
            ? new Uri(new Uri(Reddit.BaseUrl), $"{path}.json?limit={limit}&raw_json=1")
            : new Uri(new Uri(Reddit.OAuthBaseUrl), $"{path}?limit={limit}&raw_json=1");
        var answer = await requests.GetAsync(url, ct, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            if (token is not null)
            {
                r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
        });
        using var doc = TrendJson.Parse(answer, "Reddit listing");
        if (!doc.RootElement.TryGetProperty("data", out var data) || !data.TryGetProperty("children", out var children) || children.ValueKind != JsonValueKind.Array)
        {
            throw new TrendSourceException("Reddit answered without a listing (no data.children); is the subreddit private or banned?");
        }
        foreach (var child in children.EnumerateArray())
        {
            if (!child.TryGetProperty("data", out var post) || TrendJson.Bool(post, "stickied") || TrendJson.Bool(post, "over_18"))
            {
                continue;
            }
            var id = TrendJson.String(post, "name") ?? TrendJson.String(post, "id");
            if (id is null)
            {
                continue;
            }
            var permalink = TrendJson.String(post, "permalink");
            var link = TrendJson.String(post, "url");
            into.Add(new FetchedTrend(id, TrendJson.String(post, "title"))
            {
                Summary = TrendJson.String(post, "selftext"),
                // A self post links to itself; its discussion is the better link then.
                Url = TrendJson.Bool(post, "is_self") || link is null
                    ? permalink is null ? null : new Uri(new Uri("https://www.reddit.com/"), permalink).AbsoluteUri
                    : link,
                Score = TrendJson.Number(post, "score"),
                PublishedAt = post.TryGetProperty("created_utc", out var created) ? TrendJson.Time(created) : null,
                PictureUrl = TrendJson.String(post, "thumbnail") is { } thumb && thumb.StartsWith("http", StringComparison.Ordinal) ? thumb : null,
            });
        }
    }

    /// <summary>An app-only token (client credentials), kept until shortly before it ends; null without a client.</summary>
    private async Task<string?> TokenAsync(TrendRequests requests, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Reddit.ClientId) || string.IsNullOrWhiteSpace(Reddit.ClientSecret))
        {
            return null;
        }
        if (_tokens.TryGetValue(Reddit.ClientId, out var cached) && cached.Until > time.GetUtcNow())
        {
            return cached.Token;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(Reddit.BaseUrl), "api/v1/access_token"))
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        // Reddit's form ("platform:app:version (by /u/name)") is not an RFC product token, so it is sent as written.
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Reddit.ClientId}:{Reddit.ClientSecret}")));
        var body = await requests.SendForBodyAsync(request, ct);
        using var doc = TrendJson.Parse(new SourceAnswer(body, "application/json", false, null), "Reddit token answer");
        if (TrendJson.String(doc.RootElement, "access_token") is not { Length: > 0 } token)
        {
            throw new TrendSourceException($"Reddit gave no token for the configured client ({TrendText.Clean(TrendJson.String(doc.RootElement, "error") ?? "no reason given", 100)}); check Trends:Reddit:ClientId and ClientSecret.");
        }
        var seconds = TrendJson.Number(doc.RootElement, "expires_in") is > 60 and var s ? s : 3600;
        _tokens[Reddit.ClientId] = (token, time.GetUtcNow().AddSeconds(seconds - 60));
        return token;
    }
}
