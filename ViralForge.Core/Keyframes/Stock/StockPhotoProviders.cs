using System.Text.Json;
using Microsoft.Extensions.Options;
using ViralForge.Core.Clips.Stock;
using ViralForge.Core.Outside;

namespace ViralForge.Core.Keyframes.Stock;

/// <summary>One stock photo: who took it, where its page is, and the file chosen to download.</summary>
public sealed record StockPhoto(string Provider, string Id, string PageUrl, string Author, string? AuthorUrl, int Width, int Height, string FileUrl)
{
    /// <summary>Claimed per video beside stock footage; "photo" keeps the two kinds apart.</summary>
    public string Key => $"{Provider.ToLowerInvariant()}:photo:{Id}";

    public string Credit => $"Photo by {Author} on {Provider}: {PageUrl}";

    public static bool IsPhotoKey(string key) => key.Contains(":photo:", StringComparison.Ordinal);
}

/// <summary>A stock provider's photo search (Pexels, Pixabay).</summary>
public interface IStockPhotoProvider
{
    string Name { get; }
    bool IsConfigured { get; }
    Task<IReadOnlyList<StockPhoto>> SearchAsync(string query, CancellationToken ct);
}

/// <summary>Pexels photo search; the original, cropped by Pexels' image service to the frame (1080x1920).</summary>
public sealed class PexelsPhotos(IHttpClientFactory httpFactory, FetchCache cache, IOptions<StockOptions> options, TimeProvider time)
    : StockSearch(httpFactory, cache, options, time), IStockPhotoProvider
{
    public string Name => "Pexels";
    public bool IsConfigured => Options.Pexels.IsConfigured;

    public async Task<IReadOnlyList<StockPhoto>> SearchAsync(string query, CancellationToken ct)
    {
        var url = new Uri(new Uri(Options.Pexels.BaseUrl), $"v1/search?query={Q(query)}&orientation=portrait&size=large&per_page={N(Options.PerPage)}");
        using var doc = await GetAsync(Name, url, url.AbsoluteUri, r => r.Headers.TryAddWithoutValidation("Authorization", Options.Pexels.ApiKey), ct);
        if (!doc.RootElement.TryGetProperty("photos", out var photos) || photos.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var found = new List<StockPhoto>();
        foreach (var p in photos.EnumerateArray())
        {
            var src = p.TryGetProperty("src", out var s) ? s : default;
            var file = Text(src, "original") is { } original && original.StartsWith("http", StringComparison.Ordinal) && !original.Contains('?', StringComparison.Ordinal)
                ? original + "?auto=compress&cs=tinysrgb&fit=crop&w=1080&h=1920"
                : Text(src, "large2x");
            if (Text(p, "id") is not { } id || file is null || !file.StartsWith("http", StringComparison.Ordinal))
            {
                continue;
            }
            found.Add(new StockPhoto(Name, id, Text(p, "url") ?? $"https://www.pexels.com/photo/{id}/", Trends.TrendText.Clean(Text(p, "photographer") ?? "Unknown", 100),
                Text(p, "photographer_url"), (int)Number(p, "width"), (int)Number(p, "height"), file));
        }
        return found;
    }
}

/// <summary>Pixabay image search (photos only; the key is a query parameter, kept out of the cache key and every message).</summary>
public sealed class PixabayPhotos(IHttpClientFactory httpFactory, FetchCache cache, IOptions<StockOptions> options, TimeProvider time)
    : StockSearch(httpFactory, cache, options, time), IStockPhotoProvider
{
    public string Name => "Pixabay";
    public bool IsConfigured => Options.Pixabay.IsConfigured;

    public async Task<IReadOnlyList<StockPhoto>> SearchAsync(string query, CancellationToken ct)
    {
        var tail = $"?q={Q(query)}&image_type=photo&orientation=vertical&per_page={N(Options.PerPage)}&safesearch=true";
        var url = new Uri(Options.Pixabay.BaseUrl + $"{tail}&key={Uri.EscapeDataString(Options.Pixabay.ApiKey ?? "")}");
        using var doc = await GetAsync(Name, url, new Uri(Options.Pixabay.BaseUrl + tail).AbsoluteUri, _ => { }, ct);
        if (!doc.RootElement.TryGetProperty("hits", out var hits) || hits.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var found = new List<StockPhoto>();
        foreach (var h in hits.EnumerateArray())
        {
            var file = Text(h, "largeImageURL") ?? Text(h, "webformatURL");
            if (Text(h, "id") is not { } id || file is null || !file.StartsWith("http", StringComparison.Ordinal))
            {
                continue;
            }
            var user = Trends.TrendText.Clean(Text(h, "user") ?? "Unknown", 100);
            found.Add(new StockPhoto(Name, id, Text(h, "pageURL") ?? $"https://pixabay.com/photos/id-{id}/", user,
                Text(h, "user_id") is { } uid ? $"https://pixabay.com/users/{Uri.EscapeDataString(user)}-{uid}/" : null,
                (int)Number(h, "imageWidth"), (int)Number(h, "imageHeight"), file));
        }
        return found;
    }
}
