using System.ComponentModel.DataAnnotations;
using ViralForge.Core.Publishing.Instagram;
using ViralForge.Core.Publishing.TikTok;
using ViralForge.Core.Publishing.YouTube;

namespace ViralForge.Core.Publishing;

public sealed class PublishingOptions
{
    public const string Section = "Publishing";

    /// <summary>
    /// The address platforms and webhook receivers reach this studio at (https://studio.example.com);
    /// signed media links and OAuth redirect URIs are built on it. Empty: such channels say they cannot work.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    [Range(0.1, 3600)]
    public double RetryBaseDelaySeconds { get; set; } = 30;

    [Range(1, 86400)]
    public double RetryMaxDelaySeconds { get; set; } = 1800;

    /// <summary>How long a signed media link (webhook receivers, Instagram's fetcher) stays valid.</summary>
    [Range(1, 7 * 24 * 60)]
    public int MediaLinkMinutes { get; set; } = 24 * 60;

    /// <summary>How often a publisher asks a platform whether it finished processing (TikTok, Instagram).</summary>
    [Range(0.05, 600)]
    public double StatusPollSeconds { get; set; } = 5;

    /// <summary>
    /// A job waits this long for the platform's processing, then frees its worker; the publication is
    /// asked about again after <see cref="StatusPollSeconds"/> by the dispatcher.
    /// </summary>
    [Range(0, 3600)]
    public double InlineWaitSeconds { get; set; } = 60;

    /// <summary>A platform still processing after this long is reported as stuck and the publication fails with that.</summary>
    [Range(1, 7 * 24 * 60)]
    public int ProcessingTimeoutMinutes { get; set; } = 180;

    public YouTubeOptions YouTube { get; set; } = new();
    public TikTokOptions TikTok { get; set; } = new();
    public InstagramOptions Instagram { get; set; } = new();
    public WebhookOptions Webhook { get; set; } = new();

    public OAuthProviderOptions Google { get; set; } = new()
    {
        AuthorizeUrl = "https://accounts.google.com/o/oauth2/v2/auth",
        TokenUrl = "https://oauth2.googleapis.com/token",
        Scopes = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/yt-analytics.readonly",
    };

    /// <summary>TikTok Login Kit: the client key goes where others put the client id; scopes are comma-separated.</summary>
    public OAuthProviderOptions TikTokLogin { get; set; } = new()
    {
        Dialect = OAuthDialect.TikTok,
        AuthorizeUrl = "https://www.tiktok.com/v2/auth/authorize/",
        TokenUrl = "https://open.tiktokapis.com/v2/oauth/token/",
        Scopes = "user.info.basic,video.publish,video.upload,video.list",
    };

    /// <summary>Facebook Login for Instagram professional accounts; the short-lived token is exchanged for a long-lived one.</summary>
    public OAuthProviderOptions Meta { get; set; } = new()
    {
        Dialect = OAuthDialect.Meta,
        AuthorizeUrl = "https://www.facebook.com/v21.0/dialog/oauth",
        TokenUrl = "https://graph.facebook.com/v21.0/oauth/access_token",
        Scopes = "instagram_basic,instagram_content_publish,instagram_manage_insights,pages_show_list,business_management",
    };
}

public sealed class WebhookOptions
{
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>An OAuth 2.0 provider: client id and secret from configuration (Publishing__Google__ClientSecret), never logged.</summary>
public sealed class OAuthProviderOptions
{
    public OAuthDialect Dialect { get; set; } = OAuthDialect.Standard;
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string AuthorizeUrl { get; set; } = "";
    public string TokenUrl { get; set; } = "";
    public string Scopes { get; set; } = "";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);
}

/// <summary>Where a provider parts from RFC 6749.</summary>
public enum OAuthDialect
{
    Standard,
    /// <summary><c>client_key</c> instead of <c>client_id</c>; comma-separated scopes.</summary>
    TikTok,
    /// <summary>No refresh token: a long-lived token (about 60 days) is exchanged for a new one while it is still valid.</summary>
    Meta,
}
