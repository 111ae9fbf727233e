using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Outside;
using ViralForge.Core.Trends.Sources;

namespace ViralForge.Core.Trends;

public enum CircuitState
{
    Closed,
    /// <summary>Calls are refused until the pause ends.</summary>
    Open,
    /// <summary>The pause is over; the next call is a trial, and one more failure opens it again.</summary>
    HalfOpen,
}

/// <summary>A source at a glance: budget left, its host's shared circuit, and what is missing to read it.</summary>
public sealed record SourceHealth(TrendSource Source, int BudgetLeft, string Host, CircuitState Circuit, DateTimeOffset? OpenUntil, string? HostEvent, string? Unconfigured,
    SourceNumbers Numbers);

/// <summary>What the source's trends became: videos made from them, publications live, and their views.</summary>
public sealed record SourceNumbers(int Videos, int Live, long Views);

public sealed class TrendSourceHealth(IDbContextFactory<ViralForgeDbContext> dbFactory, IEnumerable<ITrendReader> readers, IOptions<TrendOptions> options, IOptions<OutsideOptions> outside, TimeProvider time)
{
    public async Task<IReadOnlyList<SourceHealth>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var sources = await db.TrendSources.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct);
        var hosts = sources.Select(HostOf).Distinct().ToList();
        var keys = hosts.Select(HostRateLimiter.Key).ToList();
        var buckets = await db.RateLimitBuckets.AsNoTracking().Where(b => keys.Contains(b.Key)).ToDictionaryAsync(b => b.Key, ct);
        var now = time.GetUtcNow();
        var made = await (from v in db.Videos
                          join t in db.TrendItems on v.TrendItemId equals t.Id
                          select new { t.SourceId, v.Id }).ToListAsync(ct);
        var videoIds = made.Select(m => m.Id).ToList();
        var live = await db.Publications.AsNoTracking().Where(p => videoIds.Contains(p.VideoId) && p.Status == Publishing.PublicationStatus.Live)
            .Select(p => new { p.VideoId, p.Views }).ToListAsync(ct);
        var numbers = made.GroupBy(m => m.SourceId).ToDictionary(g => g.Key, g =>
        {
            var ids = g.Select(m => m.Id).ToHashSet();
            var mine = live.Where(p => ids.Contains(p.VideoId)).ToList();
            return new SourceNumbers(ids.Count, mine.Count, mine.Sum(p => p.Views ?? 0));
        });
        return sources.Select(s =>
        {
            var host = HostOf(s);
            buckets.TryGetValue(HostRateLimiter.Key(host), out var bucket);
            var circuit = bucket?.OpenUntil > now ? CircuitState.Open
                : bucket is { Failures: var f } && f >= outside.Value.BreakAfterFailures ? CircuitState.HalfOpen
                : CircuitState.Closed;
            var used = s.BudgetWindowStart > now.AddHours(-1) ? s.BudgetUsed : 0;
            return new SourceHealth(s, Math.Max(0, s.BudgetPerHour - used), host, circuit, bucket?.OpenUntil > now ? bucket.OpenUntil : null, bucket?.LastEvent,
                readers.SingleOrDefault(r => r.Kind == s.Kind)?.Unconfigured, numbers.GetValueOrDefault(s.Id) ?? new SourceNumbers(0, 0, 0));
        }).ToList();
    }

    /// <summary>The host whose shared limiter and circuit the source's requests go through.</summary>
    public string HostOf(TrendSource source)
    {
        var o = options.Value;
        var url = source.Kind switch
        {
            TrendSourceKind.Reddit => string.IsNullOrWhiteSpace(o.Reddit.ClientId) ? o.Reddit.BaseUrl : o.Reddit.OAuthBaseUrl,
            TrendSourceKind.HackerNews => o.HackerNews.BaseUrl,
            TrendSourceKind.YouTube => o.YouTube.BaseUrl,
            _ => source.Address,
        };
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : "?";
    }
}
