using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Publishing.YouTube;

public sealed class YouTubeOptions
{
    public string ApiBaseUrl { get; set; } = "https://www.googleapis.com/";
    /// <summary>The YouTube Analytics API (watch time).</summary>
    public string AnalyticsBaseUrl { get; set; } = "https://youtubeanalytics.googleapis.com/";

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
