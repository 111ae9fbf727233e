using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Trends.Sources;

/// <summary>Hacker News (the official Firebase API): a story list, then each story, one request each.</summary>
public sealed class HackerNewsReader(IOptions<TrendOptions> options) : ITrendReader
{
    public static readonly string[] Lists = ["top", "best", "new"];

    public TrendSourceKind Kind => TrendSourceKind.HackerNews;
    public string? Unconfigured => null;

    public string? Validate(string address, TrendSourceSettings settings) =>
        Lists.Contains(address.Trim().ToLowerInvariant()) ? null : $"Choose a list: {string.Join(", ", Lists)}.";

    public async Task ReadAsync(TrendSource source, TrendRequests requests, List<FetchedTrend> into, CancellationToken ct)
    {
        var root = new Uri(options.Value.HackerNews.BaseUrl);
        var list = await requests.GetAsync(new Uri(root, $"{source.Address.Trim().ToLowerInvariant()}stories.json"), ct);
        using var ids = TrendJson.Parse(list, "story list");
        if (ids.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new TrendSourceException("Hacker News answered without a list of story ids.");
        }
        var wanted = ids.RootElement.EnumerateArray().Select(e => TrendJson.AsNumber(e)).OfType<double>()
            .Where(n => n is > 0 and < 1e12).Select(n => (long)n).Take(Math.Clamp(source.MaxItems, 1, 100)).ToList();
        foreach (var id in wanted)
        {
            var answer = await requests.GetAsync(new Uri(root, $"item/{id}.json"), ct);
            using var doc = TrendJson.Parse(answer, $"story {id}");
            var item = doc.RootElement;
            if (item.ValueKind != JsonValueKind.Object || TrendJson.Bool(item, "dead") || TrendJson.Bool(item, "deleted"))
            {
                continue;
            }
            var discussion = $"https://news.ycombinator.com/item?id={id}";
            into.Add(new FetchedTrend(id.ToString(System.Globalization.CultureInfo.InvariantCulture), TrendJson.String(item, "title"))
            {
                Summary = TrendJson.String(item, "text"),
                Url = TrendJson.String(item, "url") ?? discussion,
                Score = TrendJson.Number(item, "score"),
                PublishedAt = item.TryGetProperty("time", out var t) ? TrendJson.Time(t) : null,
                Language = "en",
            });
        }
    }
}
