using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;

namespace ViralForge.Core.Publishing;

/// <summary>A channel's OAuth grant: the access token when fresh, refreshed when not, "needs reconnect" when refused.</summary>
public sealed class ChannelAccess(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    ChannelSecrets secrets,
    OAuthClient oauth,
    IOptions<PublishingOptions> options,
    Notifications.Notifier notifier,
    TimeProvider time,
    ILogger<ChannelAccess> log)
{
    public OAuthProviderOptions? ProviderFor(ChannelPlatform platform) => platform switch
    {
        ChannelPlatform.YouTube => options.Value.Google,
        ChannelPlatform.TikTok => options.Value.TikTokLogin,
        ChannelPlatform.Instagram => options.Value.Meta,
        _ => null,
    };

    /// <summary>The configuration section an admin sets the provider's client id and secret in.</summary>
    public static string? ProviderSection(ChannelPlatform platform) => platform switch
    {
        ChannelPlatform.YouTube => "Publishing__Google",
        ChannelPlatform.TikTok => "Publishing__TikTokLogin",
        ChannelPlatform.Instagram => "Publishing__Meta",
        _ => null,
    };

    public async Task<string> AccessTokenAsync(int channelId, bool force, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var channel = await db.Channels.SingleAsync(c => c.Id == channelId, ct);
        if (channel.NeedsReconnect)
        {
            throw new ChannelNeedsReconnectException(channel.ConnectionNote ?? $"“{channel.Name}” needs to be connected again.");
        }
        var tokens = secrets.Unprotect<OAuthTokens>(channel.ProtectedSecret)
            ?? throw new ChannelNeedsReconnectException($"“{channel.Name}” is not connected yet: an admin connects it on the Channels page.");
        var provider = ProviderFor(channel.Platform) ?? throw new PublishRejectedException($"{channel.Platform} has no OAuth provider.");
        if (!force && tokens.ExpiresAt > time.GetUtcNow() + OAuthClient.RenewAhead(provider))
        {
            return tokens.AccessToken;
        }
        if (!oauth.CanRenew(provider, tokens))
        {
            var reason = tokens.RefreshToken is null && provider.Dialect != OAuthDialect.Meta
                ? "The saved grant has no refresh token: connect the channel again."
                : "The saved grant has expired: connect the channel again.";
            await MarkNeedsReconnectAsync(db, channel, reason, ct);
            throw new ChannelNeedsReconnectException(reason);
        }
        try
        {
            var fresh = await oauth.RefreshAsync(provider, tokens, ct);
            channel.ProtectedSecret = secrets.Protect(fresh);
            await db.SaveChangesAsync(ct);
            log.LogInformation("Refreshed the access token of channel {ChannelId}.", channel.Id);
            return fresh.AccessToken;
        }
        catch (ChannelNeedsReconnectException ex)
        {
            await MarkNeedsReconnectAsync(db, channel, ex.Message, ct);
            throw;
        }
    }

    private async Task MarkNeedsReconnectAsync(ViralForgeDbContext db, Channel channel, string reason, CancellationToken ct)
    {
        channel.NeedsReconnect = true;
        channel.ConnectionNote = reason;
        db.AuditLog.Add(new AuditEntry { Actor = "studio", Action = "channel.needs-reconnect", Subject = channel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), DetailsJson = null });
        await db.SaveChangesAsync(ct);
        log.LogWarning("Channel {ChannelId} needs to be connected again: {Reason}", channel.Id, reason);
        await notifier.ToRolesAsync(Notifications.NotificationKind.ChannelNeedsReconnect, [],
            $"Channel “{channel.Name}” needs to be connected again ({reason}); its publications wait.", "/admin/channels", ct);
    }
}
