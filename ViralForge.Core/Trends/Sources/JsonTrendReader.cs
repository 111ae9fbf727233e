using System.Globalization;
using System.Text.Json;

namespace ViralForge.Core.Trends.Sources;

/// <summary>Any JSON endpoint: where the list is, and which fields are the title, link, score and time.</summary>
public sealed class JsonTrendReader : ITrendReader
{
    public TrendSourceKind Kind => TrendSourceKind.Json;
    public string? Unconfigured => null;

    public string? Validate(string address, TrendSourceSettings settings)
    {
        if (TrendText.SafeUrl(address) is null)
        {
            return "Give the endpoint's full http(s) address.";
        }
        return string.IsNullOrWhiteSpace(settings.TitleField) ? "Name the field that holds each item's title (for example: title or data.headline)." : null;
    }

    public async Task ReadAsync(TrendSource source, TrendRequests requests, List<FetchedTrend> into, CancellationToken ct)
    {
        var settings = TrendSourceSettings.Parse(source.SettingsJson);
        var answer = await requests.GetAsync(new Uri(source.Address), ct);
        using var doc = TrendJson.Parse(answer, "answer");
        into.AddRange(Map(doc.RootElement, settings, source.MaxItems));
    }

    public static IReadOnlyList<FetchedTrend> Map(JsonElement root, TrendSourceSettings settings, int maxItems)
    {
        var list = string.IsNullOrWhiteSpace(settings.ItemsPath) ? root : Find(root, settings.ItemsPath);
        if (list is not { ValueKind: JsonValueKind.Array } items)
        {
            throw new TrendSourceException(string.IsNullOrWhiteSpace(settings.ItemsPath)
                ? "The answer is not a list; name where the list is (items path, for example data.items)."
                : $"There is no list at “{settings.ItemsPath}” in the answer.");
        }
        var result = new List<FetchedTrend>();
        foreach (var item in items.EnumerateArray().Take(Math.Clamp(maxItems, 1, 500)))
        {
            var title = Find(item, settings.TitleField) is { } t ? TrendJson.AsString(t) : null;
            var url = Find(item, settings.UrlField) is { } u ? TrendJson.AsString(u) : null;
            var id = (Find(item, settings.IdField) is { } i ? TrendJson.AsString(i) : null) ?? url ?? TrendText.TitleKey(title ?? "");
            if (string.IsNullOrWhiteSpace(id))
            {
                continue;
            }
            result.Add(new FetchedTrend(id.Length <= 300 ? id : id[..300], title)
            {
                Url = url,
                Summary = Find(item, settings.SummaryField) is { } s ? TrendJson.AsString(s) : null,
                Score = Find(item, settings.ScoreField) is { } score ? TrendJson.AsNumber(score) ?? 0 : 0,
                PublishedAt = Find(item, settings.TimeField) is { } time ? TrendJson.Time(time) : null,
            });
        }
        return result;
    }

    /// <summary>"data.items", "items.0.title": object fields and array positions, dot-separated.</summary>
    private static JsonElement? Find(JsonElement from, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }
        var current = from;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(part, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }
        return current;
    }
}
