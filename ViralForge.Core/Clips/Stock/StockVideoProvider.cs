using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ViralForge.Core.Outside;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Clips.Stock;

/// <summary>One stock video: who made it, where its page is, and the file chosen to download.</summary>
public sealed record StockVideo(string Provider, string Id, string PageUrl, string Author, string? AuthorUrl, double Seconds, int Width, int Height, string FileUrl, long? FileBytes)
{
    public string Key => $"{Provider.ToLowerInvariant()}:{Id}";

    /// <summary>The credit the provider asks for, as it is written into descriptions.</summary>
    public string Credit => $"Video by {Author} on {Provider}: {PageUrl}";
}

/// <summary>A stock provider's video search (Pexels, Pixabay).</summary>
public interface IStockVideoProvider
{
    string Name { get; }
    bool IsConfigured { get; }
    Task<IReadOnlyList<StockVideo>> SearchAsync(string query, CancellationToken ct);
}

/// <summary>
/// What both providers share: a search through the shared per-host limiter, answered from the cache
/// within 24 hours as they ask, the key never in a cache key or a message, failures in plain words.
/// </summary>
public abstract class StockSearch(IHttpClientFactory httpFactory, FetchCache cache, IOptions<StockOptions> options, TimeProvider time)
{
    public const string HttpClientName = "stock";

    protected StockOptions Options => options.Value;

    /// <summary>The body of a search, from the cache when fresh; <paramref name="cacheKey"/> is the URL without the key.</summary>
    protected async Task<JsonDocument> GetAsync(string provider, Uri url, string cacheKey, Action<HttpRequestMessage> authorize, CancellationToken ct)
    {
        var cached = await cache.FindAsync(cacheKey, ct);
        if (cached is not null && time.GetUtcNow() - cached.FetchedAt < TimeSpan.FromHours(Options.CacheHours))
        {
            return JsonDocument.Parse(cached.Body);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        authorize(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(Options.SearchTimeoutSeconds));
        HttpResponseMessage response;
        try
        {
            response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
        }
        catch (HostRateLimitedException ex)
        {
            throw new TransientStageException($"{provider} is resting: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new TransientStageException($"{provider} did not answer the search within {Options.SearchTimeoutSeconds:0} s.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new TransientStageException($"{provider} could not be reached.", ex);
        }
        using (response)
        {
            var code = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new PermanentStageException($"{provider} refused the API key ({code}); check Stock:{provider}:ApiKey.");
            }
            if (response.StatusCode == HttpStatusCode.TooManyRequests || code >= 500)
            {
                throw new TransientStageException($"{provider} is over its rate limit or failing ({code}); the scene will try again later.");
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new PermanentStageException($"{provider} refused the search ({code} {response.ReasonPhrase}).");
            }
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(body);
            }
            catch (JsonException ex)
            {
                throw new TransientStageException($"{provider} answered the search with something that is not JSON.", ex);
            }
            await cache.SaveAsync(new FetchedBody { Url = cacheKey, Body = body, ContentType = "application/json", FetchedAt = time.GetUtcNow() }, ct);
            return doc;
        }
    }

    protected static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    protected static double Number(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : 0;

    protected static string Q(string query) => Uri.EscapeDataString(query);

    protected static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Pexels video search (Authorization: key); the largest portrait-friendly file up to about 1080 wide.</summary>
public sealed class PexelsVideos(IHttpClientFactory httpFactory, FetchCache cache, IOptions<StockOptions> options, TimeProvider time)
    : StockSearch(httpFactory, cache, options, time), IStockVideoProvider
{
    public string Name => "Pexels";
    public bool IsConfigured => Options.Pexels.IsConfigured;

    public async Task<IReadOnlyList<StockVideo>> SearchAsync(string query, CancellationToken ct)
    {
        var url = new Uri(new Uri(Options.Pexels.BaseUrl), $"videos/search?query={Q(query)}&orientation=portrait&size=medium&per_page={N(Options.PerPage)}");
        using var doc = await GetAsync(Name, url, url.AbsoluteUri, r => r.Headers.TryAddWithoutValidation("Authorization", Options.Pexels.ApiKey), ct);
        if (!doc.RootElement.TryGetProperty("videos", out var videos) || videos.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var found = new List<StockVideo>();
        foreach (var v in videos.EnumerateArray())
        {
            var files = v.TryGetProperty("video_files", out var f) && f.ValueKind == JsonValueKind.Array ? f.EnumerateArray().ToList() : [];
            // A file that fills a 1080-wide frame without being needlessly large.
            var file = files.Where(x => Text(x, "file_type") == "video/mp4" && Text(x, "link") is { } link && link.StartsWith("http", StringComparison.Ordinal) && Number(x, "width") > 0)
                .OrderBy(x => Math.Abs(Math.Min(Number(x, "width"), Number(x, "height")) - 1080)).FirstOrDefault();
            if (file.ValueKind != JsonValueKind.Object || Text(v, "id") is not { } id)
            {
                continue;
            }
            var user = v.TryGetProperty("user", out var u) ? u : default;
            found.Add(new StockVideo(Name, id, Text(v, "url") ?? $"https://www.pexels.com/video/{id}/", Trends.TrendText.Clean(Text(user, "name") ?? "Unknown", 100),
                Text(user, "url"), Number(v, "duration"), (int)Number(file, "width"), (int)Number(file, "height"), Text(file, "link")!, null));
        }
        return found;
    }
}

/// <summary>Pixabay video search (the key is a query parameter there: kept out of the cache key and every message).</summary>
public sealed class PixabayVideos(IHttpClientFactory httpFactory, FetchCache cache, IOptions<StockOptions> options, TimeProvider time)
    : StockSearch(httpFactory, cache, options, time), IStockVideoProvider
{
    public string Name => "Pixabay";
    public bool IsConfigured => Options.Pixabay.IsConfigured;

    public async Task<IReadOnlyList<StockVideo>> SearchAsync(string query, CancellationToken ct)
    {
        var tail = $"videos/?q={Q(query)}&per_page={N(Options.PerPage)}&safesearch=true";
        var url = new Uri(new Uri(Options.Pixabay.BaseUrl), $"{tail}&key={Uri.EscapeDataString(Options.Pixabay.ApiKey ?? "")}");
        using var doc = await GetAsync(Name, url, new Uri(new Uri(Options.Pixabay.BaseUrl), tail).AbsoluteUri, _ => { }, ct);
        if (!doc.RootElement.TryGetProperty("hits", out var hits) || hits.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var found = new List<StockVideo>();
        foreach (var h in hits.EnumerateArray())
        {
            if (Text(h, "id") is not { } id || !h.TryGetProperty("videos", out var sizes) || sizes.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            var file = new[] { "large", "medium", "small", "tiny" }.Select(s => sizes.TryGetProperty(s, out var x) ? x : default)
                .Where(x => x.ValueKind == JsonValueKind.Object && Text(x, "url") is { Length: > 0 } link && link.StartsWith("http", StringComparison.Ordinal) && Number(x, "width") > 0)
                .OrderBy(x => Math.Abs(Math.Min(Number(x, "width"), Number(x, "height")) - 1080)).FirstOrDefault();
            if (file.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            var user = Trends.TrendText.Clean(Text(h, "user") ?? "Unknown", 100);
            found.Add(new StockVideo(Name, id, Text(h, "pageURL") ?? $"https://pixabay.com/videos/id-{id}/", user,
                Text(h, "user_id") is { } uid ? $"https://pixabay.com/users/{Uri.EscapeDataString(user)}-{uid}/" : null,
                Number(h, "duration"), (int)Number(file, "width"), (int)Number(file, "height"), Text(file, "url")!, Number(file, "size") is > 0 and var size ? (long)size : null));
        }
        return found;
    }
}
