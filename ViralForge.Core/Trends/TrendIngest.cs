using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Trends.Sources;

namespace ViralForge.Core.Trends;

/// <summary>
/// Turns what a source gave into stored items: cleaned, blocked words dropped, ranked by heat within
/// the fetch, and linked to the same story already told by another source (same link, near-same title).
/// </summary>
public sealed class TrendIngest(IDbContextFactory<ViralForgeDbContext> dbFactory, TimeProvider time)
{
    /// <summary>How far back another source's story counts as the same one.</summary>
    private static readonly TimeSpan SameStoryWindow = TimeSpan.FromDays(3);

    public sealed record Result(int Stored, int New, int Blocked, int Unreadable);

    public async Task<Result> SaveAsync(TrendSource source, IReadOnlyList<FetchedTrend> fetched, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var blockedWords = TrendText.ParseWords(source.BlockedWords);
        var clean = new List<TrendItem>();
        int blocked = 0, unreadable = 0;
        foreach (var f in fetched.DistinctBy(f => f.ExternalId))
        {
            var title = TrendText.Title(f.Title);
            if (title.Length == 0)
            {
                unreadable++;
                continue;
            }
            var summary = TrendText.Summary(f.Summary);
            var key = TrendText.TitleKey(title);
            if (TrendText.BlockedWordIn(key, summary, blockedWords) is not null)
            {
                blocked++;
                continue;
            }
            var url = TrendText.SafeUrl(f.Url);
            var news = f.News.Select(n => new TrendNews(TrendText.Title(n.Title), TrendText.SafeUrl(n.Url), n.Outlet is null ? null : TrendText.Clean(n.Outlet, 100)))
                .Where(n => n.Title.Length > 0).Take(5).ToList();
            clean.Add(new TrendItem
            {
                SourceId = source.Id,
                ExternalId = f.ExternalId,
                Title = title,
                Summary = summary,
                Url = url,
                UrlKey = TrendText.UrlKey(url),
                TitleKey = key,
                Score = double.IsFinite(f.Score) ? Math.Max(0, f.Score) : 0,
                Traffic = f.Traffic is null ? null : TrendText.Clean(f.Traffic, 32),
                PictureUrl = TrendText.SafeUrl(f.PictureUrl),
                NewsJson = news.Count > 0 ? JsonSerializer.Serialize(news) : null,
                Language = Language(f.Language) ?? Language(source.Language),
                PublishedAt = f.PublishedAt,
                FirstSeenAt = now,
                LastSeenAt = now,
            });
        }
        var heat = Heat(clean);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = clean.Select(c => c.ExternalId).ToList();
        var existing = await db.TrendItems.Where(t => t.SourceId == source.Id && ids.Contains(t.ExternalId)).ToDictionaryAsync(t => t.ExternalId, ct);
        var since = now - SameStoryWindow;
        var others = await db.TrendItems.AsNoTracking()
            .Where(t => t.SourceId != source.Id && t.DuplicateOfId == null && t.LastSeenAt >= since)
            .OrderByDescending(t => t.LastSeenAt).Take(20_000)
            .Select(t => new { t.Id, t.TitleKey, t.UrlKey })
            .ToListAsync(ct);
        var byUrl = others.Where(o => o.UrlKey != null).GroupBy(o => o.UrlKey!).ToDictionary(g => g.Key, g => g.First().Id);
        var added = 0;
        foreach (var (item, itemHeat) in clean.Zip(heat))
        {
            if (existing.TryGetValue(item.ExternalId, out var stored))
            {
                stored.Title = item.Title;
                stored.Summary = item.Summary;
                stored.Url = item.Url;
                stored.UrlKey = item.UrlKey;
                stored.TitleKey = item.TitleKey;
                stored.Score = item.Score;
                stored.Traffic = item.Traffic;
                stored.PictureUrl = item.PictureUrl;
                stored.NewsJson = item.NewsJson;
                stored.Language = item.Language;
                stored.PublishedAt = item.PublishedAt ?? stored.PublishedAt;
                stored.LastSeenAt = now;
                // Still trending: it keeps the day it was first seen, with today's heat.
                stored.Hot = HotOf(itemHeat, stored.PublishedAt ?? stored.FirstSeenAt);
                continue;
            }
            item.DuplicateOfId = item.UrlKey is not null && byUrl.TryGetValue(item.UrlKey, out var sameLink)
                ? sameLink
                : others.FirstOrDefault(o => TrendText.SameStory(o.TitleKey, item.TitleKey))?.Id;
            item.Hot = HotOf(itemHeat, item.PublishedAt ?? now);
            db.TrendItems.Add(item);
            added++;
        }
        await db.SaveChangesAsync(ct);
        return new Result(clean.Count, added, blocked, unreadable);
    }

    /// <summary>Heat in [0, 1] within this fetch (by score, or by the source's own order when it gives none), plus the day.</summary>
    private static double[] Heat(List<TrendItem> items)
    {
        var max = items.Count == 0 ? 0 : items.Max(i => i.Score);
        return items.Select((item, i) => max > 0 ? Math.Log(1 + item.Score) / Math.Log(1 + max) : 1 - i / (double)items.Count).ToArray();
    }

    /// <summary>A day newer weighs as much as the whole heat range: newest first, hottest first within a day.</summary>
    private static double HotOf(double heat, DateTimeOffset when) => heat + when.ToUnixTimeSeconds() / 86400.0;

    private static string? Language(string? code)
    {
        var c = TrendText.Clean(code, 16).Trim();
        return c.Length is >= 2 and <= 16 && c.All(ch => char.IsAsciiLetter(ch) || ch == '-' || ch == '_') ? c.Replace('_', '-') : null;
    }
}
