using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Publishing.TikTok;

public sealed class TikTokOptions
{
    public string ApiBaseUrl { get; set; } = "https://open.tiktokapis.com/";

    /// <summary>A public post's address: {0} the creator's username, {1} the post id.</summary>
    public string VideoUrlFormat { get; set; } = "https://www.tiktok.com/@{0}/video/{1}";

    /// <summary>The chunk the studio prefers; kept within the platform's bounds below.</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int ChunkBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// TikTok's media transfer rules: chunks of at least 5 MB and at most 64 MB, the last one taking the
    /// remainder (up to 128 MB); a file below the minimum goes as one chunk. Settable only so a test
    /// server can enforce the same rules on small files.
    /// </summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MinChunkBytes { get; set; } = 5 * 1024 * 1024;

    [Range(1, 64 * 1024 * 1024)]
    public int MaxChunkBytes { get; set; } = 64 * 1024 * 1024;

    [Range(5, 3600)]
    public int RequestTimeoutSeconds { get; set; } = 300;
}

/// <summary>How a file is cut for TikTok: <see cref="Count"/> chunks of <see cref="ChunkSize"/>, the last one taking the remainder.</summary>
public sealed record TikTokChunkPlan(long VideoSize, long ChunkSize, int Count)
{
    public static TikTokChunkPlan For(long videoSize, TikTokOptions options)
    {
        var chunk = Math.Clamp(options.ChunkBytes, options.MinChunkBytes, options.MaxChunkBytes);
        return videoSize <= chunk ? new(videoSize, videoSize, 1) : WithChunk(videoSize, chunk);
    }

    /// <summary>The plan for a chunk size already agreed with TikTok (saved when the post started).</summary>
    public static TikTokChunkPlan WithChunk(long videoSize, long chunk) =>
        // The remainder rides on the last chunk (less than two chunks, so within the final-chunk limit).
        videoSize <= chunk ? new(videoSize, chunk, 1) : new(videoSize, chunk, (int)(videoSize / chunk));

    /// <summary>The longest chunk (the last one, with the remainder).</summary>
    public long Largest => VideoSize - ((Count - 1) * ChunkSize);

    public (long First, long Last) Range(int index) =>
        (index * ChunkSize, index == Count - 1 ? VideoSize - 1 : ((index + 1) * ChunkSize) - 1);

    /// <summary>The chunk that starts after <paramref name="received"/> bytes (whole chunks only).</summary>
    public int ChunkAfter(long received) => (int)Math.Min(Count, received / ChunkSize);
}
