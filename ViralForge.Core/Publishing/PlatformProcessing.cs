using System.Globalization;

namespace ViralForge.Core.Publishing;

/// <summary>
/// Waiting for a platform to finish processing an uploaded video: asked every few seconds for a while
/// within the job, then the worker is freed (<see cref="PublishPendingException"/>) and the dispatcher
/// asks again later. A platform that never finishes fails the publication after the configured time.
/// </summary>
public static class PlatformProcessing
{
    private const string SinceKey = "processingSince";

    public static async Task<T> AwaitAsync<T>(PublishJob job, PublishingOptions options, TimeProvider time, string platform,
        Func<CancellationToken, Task<T?>> check, CancellationToken ct) where T : class
    {
        var since = PublicationDetails.Text(job.Publication, SinceKey) is { } saved
            && DateTimeOffset.TryParse(saved, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) ? parsed : (DateTimeOffset?)null;
        if (since is null)
        {
            var now = time.GetUtcNow();
            await job.CheckpointAsync(p =>
            {
                p.Status = PublicationStatus.Processing;
                PublicationDetails.Set(p, (SinceKey, now.ToString("O", CultureInfo.InvariantCulture)));
            }, ct);
            since = now;
        }
        var poll = TimeSpan.FromSeconds(options.StatusPollSeconds);
        var inlineUntil = time.GetUtcNow().AddSeconds(options.InlineWaitSeconds);
        while (true)
        {
            if (await check(ct) is { } done)
            {
                return done;
            }
            var now = time.GetUtcNow();
            if (now - since > TimeSpan.FromMinutes(options.ProcessingTimeoutMinutes))
            {
                throw new PublishRejectedException($"{platform} was still processing the video after {options.ProcessingTimeoutMinutes} minutes; check the post on {platform}, then retry.");
            }
            if (now + poll > inlineUntil)
            {
                throw new PublishPendingException($"{platform} is processing the video.", poll);
            }
            await Task.Delay(poll, time, ct);
        }
    }
}
