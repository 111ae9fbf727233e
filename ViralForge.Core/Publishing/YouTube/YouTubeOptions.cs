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

    /// <summary>
    /// Public videos for a slot this far ahead are uploaded early and held by YouTube (private with
    /// <c>publishAt</c>), so they go public at the slot however long the upload and processing take. 0: off.
    /// </summary>
    [Range(0, 7 * 24 * 60)]
    public int UploadAheadMinutes { get; set; } = 120;

    /// <summary>A slot closer than this is not uploaded ahead (YouTube needs <c>publishAt</c> comfortably in the future).</summary>
    [Range(1, 24 * 3600)]
    public int PublishAtMinimumSeconds { get; set; } = 900;

    /// <summary>YouTube's category for new uploads (22 = People &amp; Blogs).</summary>
    public string CategoryId { get; set; } = "22";
}
