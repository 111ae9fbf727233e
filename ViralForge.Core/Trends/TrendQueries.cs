using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Trends.Sources;

namespace ViralForge.Core.Trends;

public enum TrendSort
{
    /// <summary>Newest day first, hottest first within a day.</summary>
    Hot,
    Newest,
    Score,
}

public sealed record TrendFilter(long? SourceId = null, TimeSpan? MaxAge = null, string? Language = null, double? MinScore = null, string? Search = null, TrendSort Sort = TrendSort.Hot, int Page = 0, int PageSize = 50);

public sealed record TrendRow(
    long Id, string Title, string? Summary, string? Url, long SourceId, string Source, TrendSourceKind Kind, double Score, string? Traffic,
    string? Language, DateTimeOffset? PublishedAt, DateTimeOffset LastSeenAt, bool Stale, IReadOnlyList<string> AlsoOn, IReadOnlyList<TrendNews> News)
{
    public DateTimeOffset When => PublishedAt ?? LastSeenAt;
}

public sealed record TrendPage(IReadOnlyList<TrendRow> Rows, int Total);

/// <summary>The trend a video was made from, written into its brief.</summary>
public sealed record TrendLink(long ItemId, string Title, string Source, string? Url)
{
    public string Describe() => $"From trend: “{Title}” ({Source}){(Url is null ? "" : " " + Url)}";
}

/// <summary>What the Trends page, the API and agents read: one row per story, its duplicates folded in.</summary>
public sealed class TrendQueries(IDbContextFactory<ViralForgeDbContext> dbFactory, TimeProvider time)
{
    public async Task<TrendPage> ListAsync(TrendFilter filter, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.TrendItems.AsNoTracking().Where(t => t.DuplicateOfId == null);
        if (filter.SourceId is { } sourceId)
        {
            // A story first told elsewhere is still this source's story.
            query = query.Where(t => t.SourceId == sourceId || db.TrendItems.Any(d => d.DuplicateOfId == t.Id && d.SourceId == sourceId));
        }
        if (filter.MaxAge is { } age)
        {
            var since = time.GetUtcNow() - age;
            query = query.Where(t => (t.PublishedAt ?? t.FirstSeenAt) >= since);
        }
        if (!string.IsNullOrWhiteSpace(filter.Language))
        {
            var language = filter.Language.Trim();
            query = query.Where(t => t.Language != null && (t.Language == language || t.Language.StartsWith(language + "-")));
        }
        if (filter.MinScore is { } min)
        {
            query = query.Where(t => t.Score >= min);
        }
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var key = TrendText.TitleKey(filter.Search);
            query = query.Where(t => t.TitleKey.Contains(key));
        }
        var total = await query.CountAsync(ct);
        query = filter.Sort switch
        {
            TrendSort.Newest => query.OrderByDescending(t => t.PublishedAt ?? t.FirstSeenAt).ThenByDescending(t => t.Id),
            TrendSort.Score => query.OrderByDescending(t => t.Score).ThenByDescending(t => t.Id),
            _ => query.OrderByDescending(t => t.Hot).ThenByDescending(t => t.Id),
        };
        var size = Math.Clamp(filter.PageSize, 1, 200);
        var page = await query.Skip(Math.Max(0, filter.Page) * size).Take(size)
            .Select(t => new
            {
                t.Id, t.Title, t.Summary, t.Url, t.SourceId, Source = t.Source!.Name, t.Source.Kind, t.Score, t.Traffic, t.Language, t.PublishedAt, t.LastSeenAt,
                Stale = t.Source.LastErrorAt != null && (t.Source.LastSuccessAt == null || t.Source.LastErrorAt > t.Source.LastSuccessAt),
                t.NewsJson,
            })
            .ToListAsync(ct);
        var ids = page.Select(p => p.Id).ToList();
        var also = (await db.TrendItems.AsNoTracking().Where(d => d.DuplicateOfId != null && ids.Contains(d.DuplicateOfId.Value))
                .Select(d => new { Of = d.DuplicateOfId!.Value, d.Source!.Name }).ToListAsync(ct))
            .GroupBy(d => d.Of).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(d => d.Name).Distinct().ToList());
        var rows = page.Select(p => new TrendRow(p.Id, p.Title, p.Summary, p.Url, p.SourceId, p.Source, p.Kind, p.Score, p.Traffic, p.Language, p.PublishedAt, p.LastSeenAt, p.Stale,
            also.GetValueOrDefault(p.Id) ?? [], News(p.NewsJson))).ToList();
        return new TrendPage(rows, total);
    }

    public async Task<TrendLink?> LinkAsync(long itemId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.TrendItems.AsNoTracking().Where(t => t.Id == itemId)
            .Select(t => new TrendLink(t.Id, t.Title, t.Source!.Name, t.Url)).SingleOrDefaultAsync(ct);
    }

    /// <summary>The items as a creator starts from them: title and summary, and the language when the source says.</summary>
    public async Task<IReadOnlyList<(TrendLink Link, string Topic, string? Language)>> TopicsAsync(IReadOnlyList<long> itemIds, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var items = await db.TrendItems.AsNoTracking().Where(t => itemIds.Contains(t.Id))
            .Select(t => new { t.Id, t.Title, t.Summary, t.Url, t.Language, Source = t.Source!.Name }).ToListAsync(ct);
        var order = itemIds.Select((id, position) => (id, position)).DistinctBy(p => p.id).ToDictionary(p => p.id, p => p.position);
        return items.OrderBy(i => order[i.Id])
            .Select(i => (new TrendLink(i.Id, i.Title, i.Source, i.Url), TopicOf(i.Title, i.Summary), i.Language)).ToList();
    }

    public static string TopicOf(string title, string? summary) =>
        summary is { Length: > 0 } && !summary.StartsWith(title, StringComparison.OrdinalIgnoreCase)
            ? Script.UntrustedText.Clean($"{title}. {summary}", Script.ScriptRequest.MaxTopicChars).Text
            : Script.UntrustedText.Clean(title, Script.ScriptRequest.MaxTopicChars).Text;

    public async Task<IReadOnlyList<string>> LanguagesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.TrendItems.AsNoTracking().Where(t => t.Language != null).Select(t => t.Language!).Distinct().OrderBy(l => l).Take(100).ToListAsync(ct);
    }

    private static List<TrendNews> News(string? json)
    {
        if (json is null)
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<List<TrendNews>>(json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
