using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Publishing.Stats;

/// <summary>
/// The numbers back: live publications whose reading is due are handed to Hangfire by ID (from the
/// Publish dispatcher's sweep); each job reads the platform through the shared per-host limiter,
/// keeps the reading and plans the next one — often while the video is new, rarely once it is old.
/// </summary>
public sealed class StatsCollector(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    IEnumerable<IStatsReader> readers,
    ChannelAccess access,
    IBackgroundJobClient jobs,
    IOptions<StatsOptions> options,
    TimeProvider time,
    ILogger<StatsCollector> log)
{
    // A reading handed out is not handed out again for this long (a job that died is picked up after it).
    private static readonly TimeSpan Claim = TimeSpan.FromMinutes(10);

    public bool Reads(ChannelPlatform platform) => options.Value.Enabled && readers.Any(r => r.Platform == platform);

    /// <summary>When a publication that just went live is first read; null when its platform gives no numbers.</summary>
    public DateTimeOffset? FirstReading(ChannelPlatform platform, DateTimeOffset liveAt) =>
        Reads(platform) ? liveAt.AddSeconds(options.Value.FirstAfterSeconds) : null;

    public async Task<int> DispatchAsync(CancellationToken ct)
    {
        if (!options.Value.Enabled)
        {
            return 0;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var due = await db.Publications.Where(p => p.Status == PublicationStatus.Live && p.NextStatsAt != null && p.NextStatsAt <= now)
            .OrderBy(p => p.NextStatsAt).Select(p => p.Id).Take(100).ToListAsync(ct);
        foreach (var id in due)
        {
            var claimed = await db.Publications.Where(p => p.Id == id && p.NextStatsAt <= now)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.NextStatsAt, now + Claim), ct);
            if (claimed == 1)
            {
                jobs.Create(Job.FromExpression<PublicationStatsJob>(j => j.RunAsync(id, CancellationToken.None)), new EnqueuedState(Queues.Default));
            }
        }
        return due.Count;
    }

    public async Task CollectAsync(long publicationId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var publication = await db.Publications.Include(p => p.Channel).SingleOrDefaultAsync(p => p.Id == publicationId, ct);
        if (publication is null || publication.Status != PublicationStatus.Live)
        {
            return;
        }
        var channel = publication.Channel!;
        var reader = readers.FirstOrDefault(r => r.Platform == channel.Platform);
        var now = time.GetUtcNow();
        if (reader is null)
        {
            publication.NextStatsAt = null;
            await db.SaveChangesAsync(ct);
            return;
        }
        try
        {
            var numbers = await reader.ReadAsync(new StatsRequest(publication, channel, (force, token) => access.AccessTokenAsync(channel.Id, force, token)), ct);
            db.Set<PublicationMetric>().Add(new PublicationMetric
            {
                PublicationId = publication.Id, FetchedAt = now, Views = numbers.Views, Likes = numbers.Likes, Comments = numbers.Comments,
                Shares = numbers.Shares, WatchMinutes = numbers.WatchMinutes,
            });
            (publication.Views, publication.Likes, publication.Comments, publication.Shares) = (numbers.Views, numbers.Likes, numbers.Comments, numbers.Shares);
            publication.WatchMinutes = numbers.WatchMinutes ?? publication.WatchMinutes;
            publication.StatsAt = now;
            publication.StatsNote = numbers.Note;
            var age = now - (publication.PublishedAt ?? now);
            publication.NextStatsAt = age > TimeSpan.FromDays(options.Value.KeepReadingDays) ? null : now + options.Value.NextAfter(age);
        }
        catch (Exception ex) when (ex is PublishTransientException or PublishRejectedException or ChannelNeedsReconnectException or PublishQuotaException)
        {
            // The numbers wait; publishing is never held up by them.
            var wait = (ex as PublishTransientException)?.RetryAfter is { } asked && asked > TimeSpan.FromMinutes(15) ? asked : ex is PublishTransientException ? TimeSpan.FromMinutes(15) : TimeSpan.FromDays(1);
            publication.NextStatsAt = now + wait;
            publication.StatsNote = PlatformHttp.Truncate(ex.Message, 500);
            log.LogWarning("Numbers of publication {PublicationId} could not be read: {Reason}", publication.Id, ex.Message);
        }
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>The Hangfire entry point: a publication ID and nothing else.</summary>
public sealed class PublicationStatsJob(StatsCollector collector)
{
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Numbers of publication {0}")]
    public Task RunAsync(long publicationId, CancellationToken cancellationToken) => collector.CollectAsync(publicationId, cancellationToken);
}
