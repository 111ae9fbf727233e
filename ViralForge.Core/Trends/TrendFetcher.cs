using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Outside;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Trends.Sources;

namespace ViralForge.Core.Trends;

/// <summary>
/// One fetch of one source, a Hangfire job on its own queue with a time cap: read, keep what was read
/// even when the read failed half-way, record health in plain words, and choose the next run (the
/// schedule, or a growing pause after failures, never sooner than the source asked).
/// </summary>
public sealed class TrendFetcher(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    IEnumerable<ITrendReader> readers,
    SourceBudget budget,
    FetchCache cache,
    IHttpClientFactory httpFactory,
    TrendIngest ingest,
    IOptions<TrendOptions> options,
    TimeProvider time,
    ILogger<TrendFetcher> log)
{
    public const string HttpClientName = "trends";

    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Fetch trends from source {0}")]
    public async Task FetchAsync(long sourceId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var source = await db.TrendSources.SingleOrDefaultAsync(s => s.Id == sourceId, ct);
        if (source is null || !source.Enabled)
        {
            return;
        }
        var o = options.Value;
        var reader = readers.SingleOrDefault(r => r.Kind == source.Kind);
        var requests = new TrendRequests(httpFactory.CreateClient(HttpClientName), budget, cache, source, o, time);
        var items = new List<FetchedTrend>();
        string? error = null;
        DateTimeOffset? retryAt = null;
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cap.CancelAfter(TimeSpan.FromSeconds(o.MaxRunSeconds));
        try
        {
            if (reader is null)
            {
                throw new TrendSourceException($"This studio cannot read {source.Kind} sources.");
            }
            await reader.ReadAsync(source, requests, items, cap.Token);
        }
        catch (TrendSourceException ex)
        {
            (error, retryAt) = (ex.Message, ex.RetryAt);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = $"The fetch took longer than {o.MaxRunSeconds:0} s and was stopped (Trends:MaxRunSeconds); what was read is kept.";
        }

        var saved = items.Count > 0 ? await ingest.SaveAsync(source, items, ct) : null;
        if (error is null && saved is { Stored: 0, Unreadable: > 0 })
        {
            error = $"None of the {saved.Unreadable} items had a readable title.";
        }
        await RecordAsync(db, source, error, retryAt, saved, requests.Made, ct);
    }

    private async Task RecordAsync(ViralForgeDbContext db, TrendSource source, string? error, DateTimeOffset? retryAt, TrendIngest.Result? saved, int requests, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        source.RunningSince = null;
        source.ItemsLastRun = saved?.Stored ?? 0;
        if (error is null)
        {
            source.LastSuccessAt = now;
            source.Failures = 0;
            source.NextRunAt = now.AddMinutes(source.EveryMinutes);
            log.LogInformation("Trend source {SourceId} read: {Stored} items ({New} new, {Blocked} blocked) in {Requests} requests.",
                source.Id, saved?.Stored ?? 0, saved?.New ?? 0, saved?.Blocked ?? 0, requests);
        }
        else
        {
            source.Failures++;
            source.LastErrorAt = now;
            source.LastError = error.Length <= 1000 ? error : error[..1000];
            // A growing pause, never longer than the schedule or the cap, never sooner than the source asked.
            var maxSeconds = Math.Min(options.Value.MaxRetryMinutes, source.EveryMinutes) * 60.0;
            var next = now + Backoff.Delay(source.Failures, options.Value.RetryBaseSeconds, maxSeconds, Random.Shared);
            source.NextRunAt = retryAt is { } asked && asked > next ? asked : next;
            log.LogWarning("Trend source {SourceId} failed ({Failures} in a row): {Error} Next try {Next:O}.", source.Id, source.Failures, source.LastError, source.NextRunAt);
        }
        await db.SaveChangesAsync(CancellationToken.None);
    }
}

/// <summary>
/// The recurring sweep: claims the sources that are due in PostgreSQL (one claimant each, whichever
/// machine sweeps) and hands each to a fetch job by id; also forgets items and bodies nobody has seen
/// for a while. No far-future jobs: the next run is a column.
/// </summary>
public sealed class TrendDispatcher(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    IBackgroundJobClient jobs,
    FetchCache cache,
    IOptions<TrendOptions> options,
    TimeProvider time)
{
    public const string RecurringJobId = "dispatch-trends";

    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Dispatch trend sources")]
    public async Task<int> DispatchAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // A claim holds the source for twice a fetch's limit: a fetch that died frees it by then.
        var lease = options.Value.MaxRunSeconds * 2 + 30;
        var claimed = await db.Database.SqlQuery<long>($"""
            UPDATE trend_sources SET running_since = clock_timestamp(), next_run_at = clock_timestamp() + make_interval(secs => {lease})
            WHERE id IN (
              SELECT id FROM trend_sources
              WHERE enabled AND next_run_at <= clock_timestamp()
              ORDER BY next_run_at FOR UPDATE SKIP LOCKED LIMIT 50)
            RETURNING id
            """).ToListAsync(ct);
        foreach (var id in claimed)
        {
            jobs.Create(Hangfire.Common.Job.FromExpression<TrendFetcher>(f => f.FetchAsync(id, CancellationToken.None)), new Hangfire.States.EnqueuedState(Queues.Outside));
        }
        var forgetBefore = time.GetUtcNow().AddDays(-options.Value.KeepItemsDays);
        // Items a video was made from stay: they are how its numbers are counted per source.
        await db.TrendItems.Where(t => t.LastSeenAt < forgetBefore && !db.Videos.Any(v => v.TrendItemId == t.Id)).ExecuteDeleteAsync(ct);
        await cache.ForgetOlderThanAsync(forgetBefore, ct);
        return claimed.Count;
    }
}
