using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ViralForge.Core.Data;
using ViralForge.Core.Events;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;
using ViralForge.Core.Storage;

namespace ViralForge.Core.Publishing;

/// <summary>
/// Carries out one publication under a lease: claims the row, hands the publisher what it needs and a
/// checkpoint that writes through the lease, then records the outcome — live, rescheduled (quota),
/// waiting for a reconnect, retried with backoff, or failed with the platform's reason.
/// </summary>
public sealed class PublicationRunner(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    IEnumerable<IPublisher> publishers,
    ChannelAccess access,
    ArtifactStore store,
    MediaLinks links,
    Stats.StatsCollector stats,
    Notifications.Notifier notifier,
    IOptions<PublishingOptions> options,
    IOptions<PipelineOptions> pipeline,
    TimeProvider time,
    ILogger<PublicationRunner> log)
{
    public async Task RunAsync(long publicationId, CancellationToken ct)
    {
        var lease = Guid.NewGuid();
        if (await ClaimAsync(publicationId, lease, ct) is not { } videoId)
        {
            return;
        }
        using var heartbeat = new CancellationTokenSource();
        var progress = new UploadProgress();
        var beating = HeartbeatAsync(publicationId, videoId, lease, progress, heartbeat.Token);
        try
        {
            await PublishAsync(publicationId, lease, progress, ct);
        }
        finally
        {
            await heartbeat.CancelAsync();
            await beating;
        }
    }

    private async Task PublishAsync(long publicationId, Guid lease, UploadProgress progress, CancellationToken ct)
    {
        Publication publication;
        Channel channel;
        PublishJob job;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            publication = await db.Publications.AsNoTracking().Include(p => p.Channel).SingleAsync(p => p.Id == publicationId, ct);
            channel = publication.Channel!;
            try
            {
                job = await BuildJobAsync(db, publication, channel, lease, progress, ct);
            }
            catch (PublishRejectedException ex)
            {
                await FinishAsync(publicationId, lease, PublicationStatus.Failed, null, ex.Message, ct);
                return;
            }
        }
        var publisher = publishers.FirstOrDefault(p => p.Platform == channel.Platform);
        if (publisher is null)
        {
            await FinishAsync(publicationId, lease, PublicationStatus.Failed, null,
                $"Publishing to {channel.Platform} is not built into this studio yet; choose another channel and retry.", ct);
            return;
        }
        log.LogInformation("Publishing video {VideoId} to channel {ChannelId} ({Platform}), attempt {Attempt}.", publication.VideoId, channel.Id, channel.Platform, publication.Attempt);
        try
        {
            var result = await publisher.PublishAsync(job, ct);
            await FinishAsync(publicationId, lease, PublicationStatus.Live, result, null, ct);
        }
        catch (PublishPendingException ex)
        {
            await WaitForPlatformAsync(publicationId, publication.VideoId, lease, ex, ct);
        }
        catch (PublishQuotaException ex)
        {
            await RescheduleForQuotaAsync(publicationId, lease, channel, ex.Message, ct);
        }
        catch (ChannelNeedsReconnectException ex)
        {
            await FinishAsync(publicationId, lease, PublicationStatus.NeedsReconnect, null, ex.Message, ct);
        }
        catch (PublishRejectedException ex)
        {
            await FinishAsync(publicationId, lease, PublicationStatus.Failed, null, ex.Message, ct);
        }
        catch (LeaseLostException)
        {
            log.LogInformation("Publication {PublicationId} lost its lease; another worker has it.", publicationId);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: hand the row back as it is; the saved session lets the next start resume.
            await ReleaseAsync(publicationId, lease, CancellationToken.None);
            throw;
        }
        catch (Exception ex)
        {
            var retryAfter = (ex as PublishTransientException)?.RetryAfter ?? HeldBack(ex);
            await RetryOrFailAsync(publicationId, publication.VideoId, lease, publication.Attempt, ex is PublishTransientException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}", retryAfter, ct);
        }
    }

    private async Task<PublishJob> BuildJobAsync(ViralForgeDbContext db, Publication publication, Channel channel, Guid lease, UploadProgress progress, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().SingleAsync(v => v.Id == publication.VideoId, ct);
        var compose = await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == video.Id && r.Stage == StageKind.Compose && r.SupersededAt == null && r.Status == StageRunStatus.Succeeded)
            .FirstOrDefaultAsync(ct) ?? throw new PublishRejectedException("The video has no finished cut to publish; compose it again, then retry.");
        var artifacts = await db.Artifacts.AsNoTracking().Where(a => compose.OutputArtifactIds.Contains(a.Id)).ToListAsync(ct);
        var final = artifacts.FirstOrDefault(a => a.Kind == "final") ?? throw new PublishRejectedException("The finished cut is missing from the store; compose the video again, then retry.");
        var poster = artifacts.FirstOrDefault(a => a.Kind == "poster");
        var path = await store.TryLocalPathAsync(final.StoreKey, ct)
            ?? throw new PublishRejectedException("The finished cut's file is missing from the artifact store; compose the video again, then retry.");
        var posterPath = poster is null ? null : await store.TryLocalPathAsync(poster.StoreKey, ct);
        var script = ScriptDocument.Parse(video.ScriptJson).Script ?? throw new PublishRejectedException("The video has no valid script to take a title and description from.");
        var credits = await CreditsAsync(db, video.Id, ct);
        return new PublishJob
        {
            Publication = publication,
            Channel = channel,
            Metadata = Metadata(script, channel, publication.ScheduledFor, credits),
            VideoPath = path,
            VideoBytes = new FileInfo(path).Length,
            VideoSha256 = final.Sha256,
            PosterPath = posterPath,
            PosterContentType = posterPath is null ? null : poster?.ContentType,
            AccessTokenAsync = (force, token) => access.AccessTokenAsync(channel.Id, force, token),
            CheckpointAsync = (change, token) => CheckpointAsync(publication, lease, change, token),
            MediaUrl = () => links.For(final.Id),
            Progress = progress,
        };
    }

    public static PublishMetadata Metadata(ScriptDocument script, Channel channel, DateTimeOffset scheduledFor, IReadOnlyList<string>? credits = null)
    {
        var tags = script.Hashtags.Select(h => h.StartsWith('#') ? h : "#" + h).ToList();
        // The stock providers ask for credit: the footage's authors go into every description.
        var credit = credits is { Count: > 0 } ? string.Join("\n", credits) : null;
        var description = string.Join("\n\n", new[] { script.Hook, script.CaptionText, script.CallToAction, channel.AiDisclosure, credit, string.Join(' ', tags) }
            .Where(s => !string.IsNullOrWhiteSpace(s)));
        return new PublishMetadata(script.Title.Trim(), description, tags, channel.AiDisclosure, scheduledFor);
    }

    /// <summary>The credit line of every stock clip the cut uses, in scene order.</summary>
    /// <summary>
    /// The stock each scene shows: its footage, or the stock photo its keyframe came from when the clip
    /// animates that keyframe (stock footage does not show it).
    /// </summary>
    private static async Task<IReadOnlyList<string>> CreditsAsync(ViralForgeDbContext db, Guid videoId, CancellationToken ct)
    {
        var runs = await db.StageRuns.AsNoTracking()
            .Where(r => r.VideoId == videoId && (r.Stage == StageKind.Clips || r.Stage == StageKind.Keyframes) && r.SupersededAt == null && r.Status == StageRunStatus.Succeeded)
            .Select(r => new { r.Stage, r.SceneIndex, r.OutputArtifactIds }).ToListAsync(ct);
        var ids = runs.SelectMany(r => r.OutputArtifactIds).ToList();
        var infos = await db.Artifacts.AsNoTracking().Where(a => ids.Contains(a.Id) && (a.Kind == "clip" || a.Kind == "keyframe") && a.MediaInfoJson != null)
            .ToDictionaryAsync(a => a.Id, a => System.Text.Json.Nodes.JsonNode.Parse(a.MediaInfoJson!), ct);
        System.Text.Json.Nodes.JsonNode? Info(StageKind stage, int? scene) =>
            runs.Where(r => r.Stage == stage && r.SceneIndex == scene).SelectMany(r => r.OutputArtifactIds).Select(id => infos.GetValueOrDefault(id)).FirstOrDefault(i => i is not null);
        return runs.Select(r => r.SceneIndex).Distinct().Order()
            .Select(scene => Info(StageKind.Clips, scene) is { } clip && (string?)clip["engine"] == "stock" ? clip : Info(StageKind.Keyframes, scene))
            .Select(info => (string?)info?["credit"]).OfType<string>().Distinct().ToList();
    }

    /// <summary>Takes the row if it is due and nobody live holds it; the video's id when taken.</summary>
    private async Task<Guid?> ClaimAsync(long id, Guid lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var claimed = await db.Publications.Where(p => p.Id == id)
            .Where(PublicationQueue.IsDue(db, now, now.AddSeconds(-pipeline.Value.LostAfterSeconds), options.Value.YouTube))
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.LeaseId, lease)
                .SetProperty(p => p.HeartbeatAt, now)
                .SetProperty(p => p.Attempt, p => p.Attempt + 1)
                .SetProperty(p => p.StartedAt, p => p.StartedAt ?? now)
                .SetProperty(p => p.Status, p => p.Status == PublicationStatus.Scheduled ? PublicationStatus.Uploading : p.Status), ct);
        if (claimed != 1)
        {
            return null;
        }
        var videoId = await db.Publications.Where(p => p.Id == id).Select(p => p.VideoId).SingleAsync(ct);
        await NotifyAsync(db, videoId, "Uploading", null, null, ct);
        return videoId;
    }

    private async Task CheckpointAsync(Publication snapshot, Guid lease, Action<Publication> change, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Publications.SingleOrDefaultAsync(p => p.Id == snapshot.Id && p.LeaseId == lease, ct)
            ?? throw new LeaseLostException();
        change(row);
        row.HeartbeatAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        change(snapshot);
    }

    private async Task HeartbeatAsync(long id, Guid videoId, Guid lease, UploadProgress progress, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(pipeline.Value.HeartbeatSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var fraction = progress.Value;
                await db.Publications.Where(p => p.Id == id && p.LeaseId == lease)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.HeartbeatAt, time.GetUtcNow()).SetProperty(p => p.Progress, fraction), ct);
                await NotifyAsync(db, videoId, "Uploading", fraction, null, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or InvalidOperationException)
        {
            log.LogWarning("Publication {PublicationId} heartbeat stopped: {Message}", id, ex.Message);
        }
    }

    private async Task FinishAsync(long id, Guid lease, PublicationStatus status, PublishResult? result, string? error, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = await db.Publications.Include(p => p.Channel).SingleOrDefaultAsync(p => p.Id == id && p.LeaseId == lease, ct);
        if (row is null)
        {
            return;
        }
        var now = time.GetUtcNow();
        row.Status = status;
        row.LeaseId = null;
        row.NextAttemptAt = null;
        row.Error = error ?? result?.Note;
        if (result is not null)
        {
            row.PlatformId = result.PlatformId;
            row.Url = result.Url;
            row.PublishedAt = now;
            row.Progress = 1;
            row.NextStatsAt = stats.FirstReading(row.Channel!.Platform, now);
            var video = await PipelineScheduler.LockVideoAsync(db, row.VideoId, ct);
            video.Status = VideoStatus.Published;
            video.PublishedAt ??= now;
            video.PublishedLocation ??= JsonSerializer.Serialize(new { channel = row.Channel!.Name, platform = row.Channel.Platform.ToString(), url = result.Url });
            video.UpdatedAt = now;
        }
        db.AuditLog.Add(new AuditEntry
        {
            Actor = "studio",
            Action = $"publication.{status.ToString().ToLowerInvariant()}",
            Subject = row.VideoId.ToString(),
            DetailsJson = JsonSerializer.Serialize(new { publication = row.Id, channel = row.ChannelId, url = row.Url, error }),
        });
        await db.SaveChangesAsync(ct);
        // No fraction: a state change makes pages reload, progress alone does not.
        await NotifyAsync(db, row.VideoId, status == PublicationStatus.Live ? "Published" : status.ToString(), null,
            status == PublicationStatus.Live ? row.Channel!.Name : error, ct);
        await tx.CommitAsync(ct);
        var owner = await db.Videos.AsNoTracking().Where(v => v.Id == row.VideoId).Select(v => new { v.Title, v.CreatedBy }).SingleAsync(ct);
        var link = $"/videos/{row.VideoId}";
        if (status == PublicationStatus.Live)
        {
            await notifier.ToUserAsync(Notifications.NotificationKind.Published, owner.CreatedBy, $"“{owner.Title}” is live on {row.Channel!.Name}.", row.Url ?? link, ct);
        }
        else if (status == PublicationStatus.Failed)
        {
            await notifier.ToUserAsync(Notifications.NotificationKind.DeadLettered, owner.CreatedBy, $"“{owner.Title}” could not be published on {row.Channel!.Name}: {error}", link, ct);
        }
        if (status == PublicationStatus.Live)
        {
            log.LogInformation("Publication {PublicationId} is live on channel {ChannelId}.", id, row.ChannelId);
        }
        else
        {
            log.LogWarning("Publication {PublicationId} ended {Status}: {Error}", id, status, error);
        }
    }

    private async Task RescheduleForQuotaAsync(long id, Guid lease, Channel channel, string reason, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Channels.FromSql($"SELECT * FROM channels WHERE id = {channel.Id} FOR UPDATE").ToListAsync(ct);
        var row = await db.Publications.SingleOrDefaultAsync(p => p.Id == id && p.LeaseId == lease, ct);
        if (row is null)
        {
            return;
        }
        var schedule = SlotSchedule.Parse(channel.Slots, channel.TimeZone);
        var now = time.GetUtcNow();
        var tomorrow = schedule.StartOf(schedule.LocalDay(now).AddDays(1));
        var taken = await PublishingCommands.TakenAsync(db, channel.Id, id, now, ct);
        var next = SlotPlanner.NextFree(schedule, channel.DailyCap, taken, tomorrow.AddTicks(-1)) ?? tomorrow.AddDays(1);
        row.Status = PublicationStatus.Scheduled;
        row.ScheduledFor = next;
        row.Attempt = 0;
        row.LeaseId = null;
        row.EnqueuedAt = null;
        row.NextAttemptAt = null;
        row.Error = $"{reason} Moved to {TimeZoneInfo.ConvertTime(next, schedule.Zone):yyyy-MM-dd HH:mm} ({channel.TimeZone}).";
        await db.SaveChangesAsync(ct);
        await NotifyAsync(db, row.VideoId, "Scheduled", null, row.Error, ct);
        await tx.CommitAsync(ct);
        log.LogWarning("Publication {PublicationId}: quota used up; moved to {Next}.", id, next);
    }

    private async Task RetryOrFailAsync(long id, Guid videoId, Guid lease, int attempt, string reason, TimeSpan? retryAfter, CancellationToken ct)
    {
        var max = options.Value.MaxAttempts;
        if (attempt >= max)
        {
            await FinishAsync(id, lease, PublicationStatus.Failed, null, $"Gave up after {attempt} attempts: {reason}", ct);
            return;
        }
        var delay = Backoff.Delay(attempt, options.Value.RetryBaseDelaySeconds, options.Value.RetryMaxDelaySeconds, Random.Shared);
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked < TimeSpan.FromHours(6) ? asked : TimeSpan.FromHours(6);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var next = time.GetUtcNow() + delay;
        await db.Publications.Where(p => p.Id == id && p.LeaseId == lease).ExecuteUpdateAsync(s => s
            .SetProperty(p => p.LeaseId, (Guid?)null)
            // Handed back for a later attempt: the dispatcher may enqueue it again as soon as it is due.
            .SetProperty(p => p.EnqueuedAt, (DateTimeOffset?)null)
            .SetProperty(p => p.NextAttemptAt, next)
            .SetProperty(p => p.Error, $"Attempt {attempt} of {max} failed: {reason} Next try at {next:HH:mm:ss} UTC."), ct);
        await NotifyAsync(db, videoId, "Retrying", null, reason, ct);
        log.LogWarning("Publication {PublicationId} attempt {Attempt} failed: {Reason}; next try in {Delay}.", id, attempt, reason, delay);
    }

    /// <summary>Processing on the platform: no attempt is spent, the worker is freed, the dispatcher asks again at the time given.</summary>
    private async Task WaitForPlatformAsync(long id, Guid videoId, Guid lease, PublishPendingException pending, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var next = time.GetUtcNow() + pending.CheckAfter;
        await db.Publications.Where(p => p.Id == id && p.LeaseId == lease).ExecuteUpdateAsync(s => s
            .SetProperty(p => p.LeaseId, (Guid?)null)
            // Handed back for a later attempt: the dispatcher may enqueue it again as soon as it is due.
            .SetProperty(p => p.EnqueuedAt, (DateTimeOffset?)null)
            .SetProperty(p => p.Status, PublicationStatus.Processing)
            .SetProperty(p => p.Attempt, p => p.Attempt - 1)
            .SetProperty(p => p.NextAttemptAt, next)
            .SetProperty(p => p.Error, (string?)null), ct);
        await NotifyAsync(db, videoId, "Processing", null, pending.Message, ct);
        log.LogInformation("Publication {PublicationId}: {Message} Asking again at {Next:HH:mm:ss} UTC.", id, pending.Message, next);
    }

    private async Task ReleaseAsync(long id, Guid lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Publications.Where(p => p.Id == id && p.LeaseId == lease)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseId, (Guid?)null).SetProperty(p => p.EnqueuedAt, (DateTimeOffset?)null).SetProperty(p => p.Attempt, p => p.Attempt - 1), ct);
    }

    private static Task NotifyAsync(ViralForgeDbContext db, Guid videoId, string status, double? fraction, string? message, CancellationToken ct) =>
        PipelineNotify.SendAsync(db, new PipelineEvent(videoId, null, "Publish", null, status, fraction, message), ct);

    /// <summary>When the shared limiter held the call back, it said for how long (possibly wrapped by the publisher).</summary>
    private static TimeSpan? HeldBack(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is Outside.HostRateLimitedException limited)
            {
                return limited.RetryAfter;
            }
        }
        return null;
    }

    private sealed class LeaseLostException : Exception;

    /// <summary>The last fraction a publisher reported; the heartbeat writes it, so progress costs no extra round trips.</summary>
    private sealed class UploadProgress : IProgress<double>
    {
        private double _value;

        public double Value => Volatile.Read(ref _value);

        public void Report(double value) => Volatile.Write(ref _value, Math.Clamp(value, 0, 1));
    }
}
