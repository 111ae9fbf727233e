namespace ViralForge.Core.Publishing;

/// <summary>Sends one video to one platform. One implementation per platform; the runner owns retries and state.</summary>
public interface IPublisher
{
    ChannelPlatform Platform { get; }

    /// <summary>
    /// Publishes, resuming from what <see cref="PublishJob.Publication"/> already records (an upload
    /// session, a platform id). Anything the platform hands out must be saved through
    /// <see cref="PublishJob.CheckpointAsync"/> before the next request, so a crash never sends twice.
    /// </summary>
    Task<PublishResult> PublishAsync(PublishJob job, CancellationToken ct);
}

/// <summary>What a publisher needs: the video's files and words, the channel, and a way to save progress.</summary>
public sealed class PublishJob
{
    public required Publication Publication { get; init; }
    public required Channel Channel { get; init; }
    public required PublishMetadata Metadata { get; init; }
    public required string VideoPath { get; init; }
    public required long VideoBytes { get; init; }
    public required string VideoSha256 { get; init; }
    public string? PosterPath { get; init; }
    public string? PosterContentType { get; init; }

    /// <summary>The channel's OAuth access token, refreshed when needed; <c>force</c> after a 401.</summary>
    public required Func<bool, CancellationToken, Task<string>> AccessTokenAsync { get; init; }

    /// <summary>Saves the publication's resumable state (session, bytes sent, platform id, details) under the runner's lease.</summary>
    public required Func<Action<Publication>, CancellationToken, Task> CheckpointAsync { get; init; }

    /// <summary>A link to the final cut that the platform or receiver can fetch without signing in (signed, expiring, range-capable).</summary>
    public required Func<string> MediaUrl { get; init; }

    public required IProgress<double> Progress { get; init; }
}

public sealed record PublishMetadata(string Title, string Description, IReadOnlyList<string> Tags, string AiDisclosure, DateTimeOffset ScheduledFor)
{
    /// <summary>What a folder sidecar or a webhook says of the video; each adds where the file is.</summary>
    public System.Text.Json.Nodes.JsonObject Describe(PublishJob job) => new()
    {
        ["videoId"] = job.Publication.VideoId,
        ["channel"] = job.Channel.Name,
        ["title"] = Title,
        ["description"] = Description,
        ["hashtags"] = new System.Text.Json.Nodes.JsonArray([.. Tags.Select(t => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(t))]),
        ["aiGenerated"] = true,
        ["aiDisclosure"] = AiDisclosure,
    };
}

public sealed record PublishResult(string PlatformId, string? Url, string? Note = null);

/// <summary>The platform refused for good (bad metadata, a policy); retrying the same thing cannot help.</summary>
public class PublishRejectedException(string message) : Exception(message);

/// <summary>A passing failure (network, 5xx, 429); the runner retries with backoff, after <see cref="RetryAfter"/> when the platform said.</summary>
public sealed class PublishTransientException(string message, TimeSpan? retryAfter = null, Exception? inner = null) : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>A failed call in words: the shared limiter's hold-back says itself and when to try again; anything else is <paramref name="otherwise"/>.</summary>
    public static PublishTransientException From(Exception ex, string otherwise) =>
        ex is Outside.HostRateLimitedException held ? new(held.Message, held.RetryAfter, held) : new(otherwise, null, ex);
}

/// <summary>The platform's quota for the channel is used up; the publication moves to the next day's slot.</summary>
public sealed class PublishQuotaException(string message) : Exception(message);

/// <summary>The channel's grant was revoked or expired; an admin must connect it again.</summary>
public sealed class ChannelNeedsReconnectException(string message) : Exception(message);

/// <summary>The platform has the video and is still processing it; the runner frees the worker and asks again after <see cref="CheckAfter"/>.</summary>
public sealed class PublishPendingException(string message, TimeSpan checkAfter) : Exception(message)
{
    public TimeSpan CheckAfter { get; } = checkAfter;
}
