using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Publishing;
using ViralForge.Core.Storage;
using ViralForge.Web.Security;

namespace ViralForge.Web.Publishing;

public sealed record ChannelRequest(
    string? Name, ChannelPlatform Platform, string? TimeZone, string? Slots, int? DailyCap, string? DefaultPrivacy,
    string? AiDisclosure, bool? IsDefault, bool? Enabled, string? WebhookUrl, string? WebhookSecret, string? CategoryId, bool? MadeForKids,
    string? TikTokMode = null, string? InstagramAccountId = null, bool? ShareToFeed = null)
{
    public ChannelInput ToInput() => new(Name ?? "", Platform, TimeZone ?? "UTC", Slots ?? "", DailyCap ?? 10, DefaultPrivacy ?? "public",
        AiDisclosure ?? Channel.DefaultAiDisclosure, IsDefault ?? false, Enabled ?? true, WebhookUrl, WebhookSecret, CategoryId, MadeForKids ?? false,
        TikTokMode, InstagramAccountId, ShareToFeed ?? true);
}

/// <summary>Channels, publications, signed media links for outside fetchers, and connecting accounts with OAuth.</summary>
public static class PublishingEndpoints
{
    public const string OAuthCallbackPath = "/oauth/callback";
    private const string OAuthCookie = "viralforge.oauth";

    public static IEndpointRouteBuilder MapPublishing(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/channels", async (IDbContextFactory<ViralForgeDbContext> dbFactory, CancellationToken ct) =>
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                return Results.Ok((await db.Channels.AsNoTracking().OrderBy(c => c.Id).ToListAsync(ct)).Select(PublishingCommands.Describe));
            })
            .RequireAuthorization(Policies.View);
        // Which prompt versions go viral: every version with its videos and their live numbers.
        api.MapGet("/numbers/prompt-versions", async (Core.Script.Prompts.PromptLibrary prompts, Core.Script.Prompts.PromptNumbers numbers, CancellationToken ct) =>
            {
                var byVersion = await numbers.ByVersionAsync(ct);
                return Results.Ok(from t in await prompts.TemplatesAsync(ct)
                                  from v in t.Versions
                                  let n = byVersion.GetValueOrDefault(v.Id) ?? new Core.Script.Prompts.PromptVersionNumbers(v.Id, 0, 0, 0, 0, 0)
                                  select new
                                  {
                                      Template = t.Name, VersionId = v.Id, Version = v.Number, Active = t.ActiveVersionId == v.Id,
                                      n.Videos, n.Live, n.Views, n.ViewsPerLive, n.Likes, n.Comments,
                                  });
            })
            .RequireAuthorization(Policies.Admin);
        api.MapPost("/channels", (ChannelRequest body, PublishingCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
                SaveAsync(null, body, commands, user, ct))
            .RequireAuthorization(Policies.Admin);
        api.MapPut("/channels/{id:int}", (int id, ChannelRequest body, PublishingCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
                SaveAsync(id, body, commands, user, ct))
            .RequireAuthorization(Policies.Admin);
        api.MapGet("/videos/{id:guid}/publications", async (Guid id, Videos.VideoQueries queries, CancellationToken ct) =>
                Results.Ok(await queries.PublicationsAsync(id, ct)))
            .RequireAuthorization(Policies.View);
        api.MapPost("/videos/{id:guid}/publications", async (Guid id, Api.ApproveRequest body, PublishingCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
            {
                try
                {
                    var added = await commands.AddAsync(id, body.ToPlan()!, StudioActor.From(user), ct);
                    return Results.Accepted($"/api/videos/{id}/publications", added.Select(p => new { p.Id, p.ChannelId, p.ScheduledFor, status = p.Status.ToString() }));
                }
                catch (KeyNotFoundException)
                {
                    return Results.Problem($"Video {id} does not exist.", statusCode: StatusCodes.Status404NotFound);
                }
                catch (Exception ex) when (ex is PublishingException or Core.Pipeline.PipelineCommandException)
                {
                    return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
                }
            })
            .RequireAuthorization(Policies.Review);
        api.MapPost("/publications/{id:long}/retry", async (long id, PublishingCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
            {
                try
                {
                    await commands.RetryAsync(id, StudioActor.From(user), ct);
                    return Results.Accepted();
                }
                catch (PublishingException ex)
                {
                    return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
                }
            })
            .RequireAuthorization(Policies.Review);

        // Outside fetchers (a webhook's receiver, Instagram) cannot sign in: the signed token is the permission.
        app.MapGet("/" + MediaLinks.RoutePrefix + "{token}", async (string token, MediaLinks links, IDbContextFactory<ViralForgeDbContext> dbFactory, ArtifactStore store, CancellationToken ct) =>
            {
                var (artifactId, refusal) = links.Read(token);
                if (artifactId is null)
                {
                    return Results.Problem(refusal, statusCode: StatusCodes.Status403Forbidden);
                }
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var artifact = await db.Artifacts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == artifactId, ct);
                // Streamed by the studio even when browsers may read the store: outside fetchers may not reach it.
                return artifact is null
                    ? Results.Problem("The file is no longer kept.", statusCode: StatusCodes.Status410Gone)
                    : await Api.StoredFileResults.ServeAsync(store, artifact, redirect: false, ct);
            })
            .AllowAnonymous();

        app.MapGet("/channels/{id:int}/connect", ConnectAsync).RequireAuthorization(Policies.Admin);
        app.MapGet(OAuthCallbackPath, CallbackAsync).RequireAuthorization(Policies.Admin);
        return app;
    }

    private static async Task<IResult> SaveAsync(int? id, ChannelRequest body, PublishingCommands commands, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            var channel = await commands.SaveChannelAsync(id, body.ToInput(), StudioActor.From(user), ct);
            return id is null ? Results.Created($"/api/channels/{channel.Id}", PublishingCommands.Describe(channel)) : Results.Ok(PublishingCommands.Describe(channel));
        }
        catch (PublishingException ex)
        {
            return Results.Problem(ex.Message, statusCode: id is null ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict);
        }
    }

    private sealed record OAuthState(int ChannelId, string State, string Verifier, DateTimeOffset Expires);

    /// <summary>Starts the authorization code flow with PKCE; the verifier and state wait in an encrypted, short-lived cookie.</summary>
    private static async Task<IResult> ConnectAsync(int id, HttpContext http, IDbContextFactory<ViralForgeDbContext> dbFactory, ChannelAccess access,
        IDataProtectionProvider protection, IOptions<PublishingOptions> options, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var channel = await db.Channels.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct);
        if (channel is null)
        {
            return Results.NotFound();
        }
        var provider = access.ProviderFor(channel.Platform);
        if (provider is null || !provider.IsConfigured)
        {
            return Results.Problem(provider is null
                ? $"{channel.Platform} channels are not connected with OAuth."
                : $"The {channel.Platform} OAuth client is not configured: set {ChannelAccess.ProviderSection(channel.Platform)}__ClientId and __ClientSecret, then try again.",
                statusCode: StatusCodes.Status409Conflict);
        }
        var (verifier, challenge) = OAuthClient.NewPkce();
        var state = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var payload = new OAuthState(id, state, verifier, DateTimeOffset.UtcNow.AddMinutes(10));
        http.Response.Cookies.Append(OAuthCookie, protection.CreateProtector(OAuthCookie).Protect(JsonSerializer.Serialize(payload)), new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            MaxAge = TimeSpan.FromMinutes(10),
            Path = OAuthCallbackPath,
        });
        return Results.Redirect(OAuthClient.AuthorizeUrl(provider, RedirectUri(http, options.Value), state, challenge));
    }

    private static async Task<IResult> CallbackAsync(HttpContext http, string? code, string? state, string? error, OAuthClient oauth, ChannelAccess access,
        PublishingCommands commands, IDbContextFactory<ViralForgeDbContext> dbFactory, IDataProtectionProvider protection, IOptions<PublishingOptions> options,
        ClaimsPrincipal user, CancellationToken ct)
    {
        OAuthState? saved = null;
        if (http.Request.Cookies.TryGetValue(OAuthCookie, out var cookie))
        {
            try
            {
                saved = JsonSerializer.Deserialize<OAuthState>(protection.CreateProtector(OAuthCookie).Unprotect(cookie));
            }
            catch (CryptographicException)
            {
            }
        }
        http.Response.Cookies.Delete(OAuthCookie, new CookieOptions { Path = OAuthCallbackPath });
        if (saved is null || saved.Expires < DateTimeOffset.UtcNow || state is null
            || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(saved.State), System.Text.Encoding.ASCII.GetBytes(state)))
        {
            return Results.Redirect("/admin/channels?connect=expired");
        }
        if (error is not null || code is null)
        {
            return Results.Redirect($"/admin/channels?connect=refused&channel={saved.ChannelId}");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var channel = await db.Channels.AsNoTracking().SingleAsync(c => c.Id == saved.ChannelId, ct);
        try
        {
            var tokens = await oauth.ExchangeCodeAsync(access.ProviderFor(channel.Platform)!, code, saved.Verifier, RedirectUri(http, options.Value), ct);
            await commands.SaveTokensAsync(channel.Id, tokens, Api.VideoEndpoints.Actor(user), ct);
            return Results.Redirect($"/admin/channels?connect=ok&channel={channel.Id}");
        }
        catch (Exception ex) when (ex is ChannelNeedsReconnectException or PublishTransientException)
        {
            return Results.Redirect($"/admin/channels?connect=failed&channel={channel.Id}");
        }
    }

    private static string RedirectUri(HttpContext http, PublishingOptions options) =>
        (string.IsNullOrWhiteSpace(options.PublicBaseUrl) ? $"{http.Request.Scheme}://{http.Request.Host}" : options.PublicBaseUrl.TrimEnd('/')) + OAuthCallbackPath;
}
