using System.ComponentModel.DataAnnotations;

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

    public YouTubeOptions YouTube { get; set; } = new();
    public WebhookOptions Webhook { get; set; } = new();
    public OAuthProviderOptions Google { get; set; } = new()
    {
        AuthorizeUrl = "https://accounts.google.com/o/oauth2/v2/auth",
        TokenUrl = "https://oauth2.googleapis.com/token",
        Scopes = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly",
    };
}

public sealed class YouTubeOptions
{
    public string ApiBaseUrl { get; set; } = "https://www.googleapis.com/";
    public string WatchUrlFormat { get; set; } = "https://www.youtube.com/shorts/{0}";

    /// <summary>Resumable upload chunk; YouTube wants a multiple of 256 KiB.</summary>
    [Range(256 * 1024, 512L * 1024 * 1024)]
    public int ChunkBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>One request (a chunk, a status query) that takes longer than this is abandoned and resumed.</summary>
    [Range(5, 3600)]
    public int RequestTimeoutSeconds { get; set; } = 600;

    /// <summary>YouTube's category for new uploads (22 = People &amp; Blogs).</summary>
    public string CategoryId { get; set; } = "22";
}

public sealed class WebhookOptions
{
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>An OAuth 2.0 provider: client id and secret from configuration (Publishing__Google__ClientSecret), never logged.</summary>
public sealed class OAuthProviderOptions
{
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string AuthorizeUrl { get; set; } = "";
    public string TokenUrl { get; set; } = "";
    public string Scopes { get; set; } = "";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);
}
