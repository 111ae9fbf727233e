using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;

namespace ViralForge.Core.Publishing;

/// <summary>Where and when an approved video goes: chosen channels (or the default ones) and a slot.</summary>
public sealed record PublishPlan(IReadOnlyList<int>? ChannelIds, SlotChoice Slot = SlotChoice.Next, DateTimeOffset? At = null);

/// <summary>What an admin types for a channel; secrets are write-only (null keeps the saved one).</summary>
public sealed record ChannelInput(
    string Name, ChannelPlatform Platform, string TimeZone, string Slots, int DailyCap, string DefaultPrivacy,
    string AiDisclosure, bool IsDefault, bool Enabled, string? WebhookUrl = null, string? WebhookSecret = null,
    string? CategoryId = null, bool MadeForKids = false, string? TikTokMode = null, string? InstagramAccountId = null, bool ShareToFeed = true);

/// <summary>Channels (admin) and publications (reviewers): what people can do to publishing.</summary>
public sealed class PublishingCommands(IDbContextFactory<ViralForgeDbContext> dbFactory, ChannelSecrets secrets, PublicationQueue queue, TimeProvider time)
{
    public async Task<Channel> SaveChannelAsync(int? id, ChannelInput input, Security.StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Security.Roles.Admin);
        var problems = Validate(input);
        if (problems.Count > 0)
        {
            throw new PublishingException(string.Join(" ", problems));
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var channel = id is { } existing
            ? await db.Channels.SingleOrDefaultAsync(c => c.Id == existing, ct) ?? throw new PublishingException($"Channel {existing} does not exist.")
            : db.Channels.Add(new Channel { Name = input.Name.Trim(), Platform = input.Platform }).Entity;
        if (id is not null && channel.Platform != input.Platform)
        {
            throw new PublishingException("A channel's platform cannot change; add a new channel instead.");
        }
        if (await db.Channels.AnyAsync(c => c.Name == input.Name.Trim() && c.Id != channel.Id, ct))
        {
            throw new PublishingException($"There is already a channel named “{input.Name.Trim()}”.");
        }
        channel.Name = input.Name.Trim();
        channel.TimeZone = string.IsNullOrWhiteSpace(input.TimeZone) ? "UTC" : input.TimeZone.Trim();
        channel.Slots = input.Slots.Trim();
        channel.DailyCap = input.DailyCap;
        channel.DefaultPrivacy = input.DefaultPrivacy;
        channel.AiDisclosure = input.AiDisclosure.Trim();
        channel.IsDefault = input.IsDefault;
        channel.Enabled = input.Enabled;
        var settings = ChannelSettings.Parse(channel);
        if (input.Platform == ChannelPlatform.Webhook)
        {
            settings["url"] = input.WebhookUrl?.Trim();
            if (!string.IsNullOrEmpty(input.WebhookSecret))
            {
                channel.ProtectedSecret = secrets.Protect(new WebhookSecret(input.WebhookSecret));
            }
            else if (channel.ProtectedSecret is null)
            {
                throw new PublishingException("A webhook channel needs a signing secret (at least 16 characters).");
            }
        }
        if (input.Platform == ChannelPlatform.YouTube)
        {
            settings["categoryId"] = string.IsNullOrWhiteSpace(input.CategoryId) ? null : input.CategoryId.Trim();
            settings["madeForKids"] = input.MadeForKids;
        }
        if (input.Platform == ChannelPlatform.TikTok)
        {
            settings["tiktokMode"] = string.Equals(input.TikTokMode?.Trim(), "inbox", StringComparison.OrdinalIgnoreCase) ? "inbox" : "direct";
        }
        if (input.Platform == ChannelPlatform.Instagram)
        {
            settings["accountId"] = string.IsNullOrWhiteSpace(input.InstagramAccountId) ? null : input.InstagramAccountId.Trim();
            settings["shareToFeed"] = input.ShareToFeed;
        }
        channel.SettingsJson = settings.ToJsonString();
        db.AuditLog.Add(new AuditEntry { Actor = actor, Action = id is null ? "channel.create" : "channel.update", Subject = channel.Name });
        await db.SaveChangesAsync(ct);
        return channel;
    }

    public static List<string> Validate(ChannelInput input)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > 100)
        {
            problems.Add("Give the channel a name (at most 100 characters).");
        }
        if (!SlotSchedule.TryParse(input.Slots, input.TimeZone, out _, out var slotError))
        {
            problems.Add(slotError);
        }
        if (input.DailyCap is < 1 or > 1000)
        {
            problems.Add("The daily cap must be 1–1000.");
        }
        if (input.DefaultPrivacy is not ("public" or "unlisted" or "private"))
        {
            problems.Add("Privacy must be public, unlisted or private.");
        }
        if (string.IsNullOrWhiteSpace(input.AiDisclosure) || input.AiDisclosure.Length > 500)
        {
            problems.Add("The AI disclosure text is required (at most 500 characters): every publication says the video is AI-made.");
        }
        if (input.Platform == ChannelPlatform.Webhook)
        {
            if (!Uri.TryCreate(input.WebhookUrl?.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
            {
                problems.Add("A webhook channel needs an http(s) URL.");
            }
            if (!string.IsNullOrEmpty(input.WebhookSecret) && input.WebhookSecret.Length < 16)
            {
                problems.Add("The webhook secret must be at least 16 characters.");
            }
        }
        if (input.Platform == ChannelPlatform.TikTok && input.TikTokMode is { } mode && !string.IsNullOrWhiteSpace(mode)
            && !mode.Trim().Equals("direct", StringComparison.OrdinalIgnoreCase) && !mode.Trim().Equals("inbox", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("A TikTok channel posts directly (direct) or to the creator's inbox (inbox).");
        }
        if (input.Platform == ChannelPlatform.Instagram)
        {
            if (input.DailyCap > 50)
            {
                problems.Add("Instagram allows 50 posts per account in 24 hours: set the daily cap to 50 or less.");
            }
            if (!string.IsNullOrWhiteSpace(input.InstagramAccountId) && !input.InstagramAccountId.Trim().All(char.IsAsciiDigit))
            {
                problems.Add("The Instagram account id is the number the Graph API gives the professional account (digits only); leave it empty to use the one linked to the connected pages.");
            }
        }
        return problems;
    }

    /// <summary>
    /// Creates the video's publications inside the approval's transaction, one per channel, each at its
    /// planned time. A (video, channel) that is already live is left alone: never twice.
    /// </summary>
    public async Task<List<Publication>> ScheduleAsync(ViralForgeDbContext db, Guid videoId, PublishPlan plan, string actor, CancellationToken ct)
    {
        var ids = plan.ChannelIds is { Count: > 0 } chosen
            ? chosen.Distinct().Order().ToList()
            : await db.Channels.Where(c => c.IsDefault && c.Enabled).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(ct);
        if (ids.Count == 0)
        {
            throw new PublishingException("No channel to publish to: pick one, or mark a channel as default on the Channels page.");
        }
        // Locked in id order, so two approvals never deadlock and never take the same slot.
        var channels = await db.Channels.FromSql($"SELECT * FROM channels WHERE id = ANY({ids.ToArray()}) ORDER BY id FOR UPDATE").ToListAsync(ct);
        foreach (var missing in ids.Except(channels.Select(c => c.Id)))
        {
            throw new PublishingException($"Channel {missing} does not exist.");
        }
        var now = time.GetUtcNow();
        var result = new List<Publication>();
        foreach (var channel in channels)
        {
            if (!channel.Enabled)
            {
                throw new PublishingException($"“{channel.Name}” is disabled; enable it on the Channels page or pick another channel.");
            }
            var existing = await db.Publications.SingleOrDefaultAsync(p => p.VideoId == videoId && p.ChannelId == channel.Id, ct);
            if (existing is { Status: PublicationStatus.Live or PublicationStatus.Uploading or PublicationStatus.Processing })
            {
                continue;
            }
            var schedule = SlotSchedule.Parse(channel.Slots, channel.TimeZone);
            var taken = await TakenAsync(db, channel.Id, existing?.Id, now, ct);
            var when = SlotPlanner.Plan(schedule, channel.DailyCap, taken, plan.Slot, plan.At, now, channel.Name);
            var publication = existing ?? db.Publications.Add(new Publication { VideoId = videoId, ChannelId = channel.Id }).Entity;
            publication.Status = channel.NeedsReconnect ? PublicationStatus.NeedsReconnect : PublicationStatus.Scheduled;
            publication.ScheduledFor = when;
            publication.Attempt = 0;
            publication.NextAttemptAt = null;
            publication.Error = channel.NeedsReconnect ? channel.ConnectionNote : null;
            publication.RequestedBy = actor;
            result.Add(publication);
        }
        return result;
    }

    /// <summary>An approved video goes out on more channels (its review and gate already passed).</summary>
    public async Task<List<Publication>> AddAsync(Guid videoId, PublishPlan plan, Security.StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Security.Roles.Reviewer);
        if (plan.ChannelIds is not { Count: > 0 })
        {
            throw new PublishingException("Pick at least one channel.");
        }
        List<Publication> added;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var video = await Pipeline.PipelineScheduler.LockVideoAsync(db, videoId, ct);
            var approved = await db.StageRuns.AnyAsync(r => r.VideoId == videoId && r.SupersededAt == null
                && r.Stage == Pipeline.StageKind.Review && r.Status == StageRunStatus.Succeeded, ct);
            if (!approved)
            {
                throw new PublishingException("Only an approved video can be published to more channels; approve it first.");
            }
            added = await ScheduleAsync(db, video.Id, plan, actor, ct);
            db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "publication.add", Subject = videoId.ToString(), DetailsJson = JsonSerializer.Serialize(new { channels = plan.ChannelIds, slot = plan.Slot.ToString() }) });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        await queue.DispatchAsync(videoId, ct);
        return added;
    }

    /// <summary>When a channel's other publications (pending or out) go, for slot and cap planning.</summary>
    internal static async Task<List<DateTimeOffset>> TakenAsync(ViralForgeDbContext db, int channelId, long? except, DateTimeOffset now, CancellationToken ct)
    {
        var from = now.AddDays(-2);
        return await db.Publications
            .Where(p => p.ChannelId == channelId && p.Id != except && p.ScheduledFor >= from
                && p.Status != PublicationStatus.Failed && p.Status != PublicationStatus.Cancelled)
            .Select(p => p.PublishedAt ?? p.ScheduledFor)
            .ToListAsync(ct);
    }

    /// <summary>A failed or stuck publication tries again now, resuming whatever the platform already has.</summary>
    public async Task RetryAsync(long publicationId, Security.StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Security.Roles.Reviewer);
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var row = await db.Publications.Include(p => p.Channel).SingleOrDefaultAsync(p => p.Id == publicationId, ct)
                ?? throw new PublishingException($"Publication {publicationId} does not exist.");
            if (row.Status is PublicationStatus.Live)
            {
                throw new PublishingException("This publication is already live; it is never sent twice.");
            }
            if (row.Channel!.NeedsReconnect)
            {
                throw new PublishingException($"“{row.Channel.Name}” must be connected again first (Channels page).");
            }
            if (row.LeaseId is not null && row.HeartbeatAt > time.GetUtcNow().AddSeconds(-30))
            {
                throw new PublishingException("This publication is being sent right now.");
            }
            // The saved session and platform id make the next attempt resume; the status only says it is due.
            row.Status = PublicationStatus.Scheduled;
            row.ScheduledFor = row.ScheduledFor < time.GetUtcNow() ? row.ScheduledFor : time.GetUtcNow();
            row.Attempt = 0;
            row.NextAttemptAt = null;
            row.LeaseId = null;
            row.EnqueuedAt = null;
            db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "publication.retry", Subject = row.VideoId.ToString(), DetailsJson = JsonSerializer.Serialize(new { publication = row.Id }) });
            await db.SaveChangesAsync(ct);
        }
        await queue.DispatchAsync(null, ct);
    }

    /// <summary>After an admin connects a channel again, the publications that waited for it are due again.</summary>
    public async Task ResumeWaitingAsync(int channelId, CancellationToken ct)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.Publications.Where(p => p.ChannelId == channelId && p.Status == PublicationStatus.NeedsReconnect)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PublicationStatus.Scheduled)
                    .SetProperty(p => p.Attempt, 0).SetProperty(p => p.NextAttemptAt, (DateTimeOffset?)null).SetProperty(p => p.Error, (string?)null), ct);
        }
        await queue.DispatchAsync(null, ct);
    }

    public async Task SaveTokensAsync(int channelId, OAuthTokens tokens, string actor, CancellationToken ct)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var channel = await db.Channels.SingleAsync(c => c.Id == channelId, ct);
            channel.ProtectedSecret = secrets.Protect(tokens);
            channel.NeedsReconnect = false;
            channel.ConnectionNote = null;
            db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "channel.connect", Subject = channel.Name });
            await db.SaveChangesAsync(ct);
        }
        await ResumeWaitingAsync(channelId, ct);
    }

    public static JsonObject Describe(Channel channel) => new()
    {
        ["id"] = channel.Id,
        ["name"] = channel.Name,
        ["platform"] = channel.Platform.ToString(),
        ["timeZone"] = channel.TimeZone,
        ["slots"] = channel.Slots,
        ["dailyCap"] = channel.DailyCap,
        ["defaultPrivacy"] = channel.DefaultPrivacy,
        ["isDefault"] = channel.IsDefault,
        ["enabled"] = channel.Enabled,
        ["connected"] = channel.Platform == ChannelPlatform.Outbox || (channel.ProtectedSecret is not null && !channel.NeedsReconnect),
        ["needsReconnect"] = channel.NeedsReconnect,
        ["connectionNote"] = channel.ConnectionNote,
    };
}
