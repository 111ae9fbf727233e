using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Publishing.Instagram;

public sealed class InstagramOptions
{
    /// <summary>The Graph API, version included.</summary>
    public string GraphBaseUrl { get; set; } = "https://graph.facebook.com/v21.0/";

    [Range(5, 600)]
    public int RequestTimeoutSeconds { get; set; } = 60;
}
