using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Publishing.YouTube;

/// <summary>
/// YouTube Data API v3: <c>videos.insert</c> as a resumable upload (the session URI is saved before the
/// first byte, so a restart asks YouTube how far it got with <c>Content-Range: bytes */N</c> instead of
/// uploading again), then the poster through <c>thumbnails.set</c>. The video is declared as
/// containing synthetic media.
/// </summary>
public sealed class YouTubePublisher(IHttpClientFactory http, IOptions<PublishingOptions> options, TimeProvider time, ILogger<YouTubePublisher> log) : IPublisher
{
    public const string HttpClientName = "youtube";

    /// <summary>Drops and 5xx in the middle of one attempt are resumed this many times before the attempt fails.</summary>
    private const int ResumesPerAttempt = 5;

    /// <summary>Saved with the upload session when YouTube is to hold the video until its slot.</summary>
    private const string PublishAtKey = "publishAt";

    private YouTubeOptions Options => options.Value.YouTube;

    public ChannelPlatform Platform => ChannelPlatform.YouTube;

    public async Task<PublishResult> PublishAsync(PublishJob job, CancellationToken ct)
    {
        var client = http.CreateClient(HttpClientName);
        client.BaseAddress ??= new Uri(Options.ApiBaseUrl);
        var id = job.Publication.PlatformId ?? await UploadAsync(client, job, ct);
        var note = await SetThumbnailAsync(client, job, id, ct);
        if (PublicationDetails.Text(job.Publication, PublishAtKey) is { } saved
            && DateTimeOffset.TryParse(saved, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var publishAt))
        {
            // Uploaded ahead: YouTube holds it until the slot; it is live once YouTube says it is public.
            var now = time.GetUtcNow();
            if (now < publishAt)
            {
                throw new PublishPendingException($"Uploaded ahead; YouTube makes it public at {publishAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.", publishAt - now);
            }
            if (await PrivacyAsync(client, job, id, ct) != "public")
            {
                throw new PublishPendingException("The slot has come; YouTube has not made the video public yet.", TimeSpan.FromSeconds(options.Value.StatusPollSeconds));
            }
        }
        return new PublishResult(id, string.Format(CultureInfo.InvariantCulture, Options.WatchUrlFormat, id), note);
    }

    /// <summary>The video's privacy as YouTube has it now (<c>videos.list part=status</c>, one quota unit).</summary>
    private async Task<string?> PrivacyAsync(HttpClient client, PublishJob job, string id, CancellationToken ct)
    {
        using var response = await SendAsync(client, job, TimeSpan.FromSeconds(60),
            () => new HttpRequestMessage(HttpMethod.Get, $"youtube/v3/videos?part=status&id={Uri.EscapeDataString(id)}"), ct);
        await EnsureSuccessAsync(response, "asking whether the video is public", ct);
        using var doc = JsonDocument.Parse(await PlatformHttp.ReadCappedAsync(response, ct));
        if (!doc.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
        {
            throw new PublishRejectedException("YouTube no longer lists the uploaded video (deleted on YouTube?); retry to upload it again.");
        }
        return items[0].TryGetProperty("status", out var status) && status.TryGetProperty("privacyStatus", out var privacy) ? privacy.GetString() : null;
    }

    private async Task<string> UploadAsync(HttpClient client, PublishJob job, CancellationToken ct)
    {
        var resumes = 0;
        while (true)
        {
            var session = job.Publication.UploadSession;
            long offset;
            if (session is null)
            {
                (session, var publishAt) = await StartSessionAsync(client, job, ct);
                await job.CheckpointAsync(p =>
                {
                    p.UploadSession = session;
                    p.BytesSent = 0;
                    PublicationDetails.Set(p, (PublishAtKey, publishAt));
                }, ct);
                offset = 0;
            }
            else
            {
                var status = await QueryAsync(client, job, session, ct);
                if (status.VideoId is { } done)
                {
                    await job.CheckpointAsync(p => { p.PlatformId = done; p.BytesSent = job.VideoBytes; }, ct);
                    return done;
                }
                if (status.Expired)
                {
                    // An unfinished session creates no video, so starting a new one cannot publish twice.
                    log.LogInformation("YouTube upload session of publication {PublicationId} expired; starting a new one.", job.Publication.Id);
                    await job.CheckpointAsync(p => { p.UploadSession = null; p.BytesSent = 0; }, ct);
                    continue;
                }
                offset = status.Received;
            }
            try
            {
                var id = await SendFromAsync(client, job, session, offset, ct);
                await job.CheckpointAsync(p => { p.PlatformId = id; p.BytesSent = job.VideoBytes; }, ct);
                return id;
            }
            // A pause asked for (Retry-After, the shared limiter) ends the attempt; the runner waits that long.
            catch (PublishTransientException ex) when (ex.RetryAfter is null && ++resumes <= ResumesPerAttempt && !ct.IsCancellationRequested)
            {
                log.LogInformation("YouTube upload of publication {PublicationId} interrupted ({Reason}); asking how far it got.", job.Publication.Id, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * resumes), ct);
            }
        }
    }

    private async Task<(string Session, string? PublishAt)> StartSessionAsync(HttpClient client, PublishJob job, CancellationToken ct)
    {
        var metadata = Metadata(job);
        var publishAt = metadata["status"]?["publishAt"]?.GetValue<string>();
        var response = await SendAsync(client, job, TimeSpan.FromSeconds(Options.RequestTimeoutSeconds), () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "upload/youtube/v3/videos?uploadType=resumable&part=snippet,status")
            {
                Content = new StringContent(metadata.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Upload-Content-Length", job.VideoBytes.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-Upload-Content-Type", "video/mp4");
            return request;
        }, ct);
        using (response)
        {
            await EnsureSuccessAsync(response, "starting the upload", ct);
            var session = response.Headers.Location?.IsAbsoluteUri == true
                ? response.Headers.Location.ToString()
                : response.Headers.Location is { } relative ? new Uri(client.BaseAddress!, relative).ToString()
                : throw new PublishTransientException("YouTube accepted the upload but gave no session address.");
            return (session, publishAt);
        }
    }

    internal JsonObject Metadata(PublishJob job)
    {
        var channel = job.Channel;
        var privacy = channel.DefaultPrivacy is "public" or "unlisted" or "private" ? channel.DefaultPrivacy : "private";
        var status = new JsonObject
        {
            ["privacyStatus"] = privacy,
            ["selfDeclaredMadeForKids"] = ChannelSettings.Bool(channel, "madeForKids"),
            // YouTube's altered or synthetic content disclosure.
            ["containsSyntheticMedia"] = true,
        };
        // Uploaded ahead of its slot: YouTube holds it private and makes it public at the slot.
        if (job.Metadata.ScheduledFor > time.GetUtcNow().AddSeconds(Options.PublishAtMinimumSeconds) && privacy == "public")
        {
            status["privacyStatus"] = "private";
            status["publishAt"] = job.Metadata.ScheduledFor.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }
        return new JsonObject
        {
            ["snippet"] = new JsonObject
            {
                ["title"] = Truncate(job.Metadata.Title, 100),
                ["description"] = Truncate(job.Metadata.Description, 5000),
                ["tags"] = new JsonArray([.. job.Metadata.Tags.Select(t => (JsonNode)JsonValue.Create(t.TrimStart('#')))]),
                ["categoryId"] = ChannelSettings.Text(channel, "categoryId") ?? Options.CategoryId,
            },
            ["status"] = status,
        };
    }

    private sealed record SessionStatus(long Received, string? VideoId, bool Expired);

    private async Task<SessionStatus> QueryAsync(HttpClient client, PublishJob job, string session, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(client, job, TimeSpan.FromSeconds(Options.RequestTimeoutSeconds), () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = new ByteArrayContent([]) };
                request.Content.Headers.ContentRange = ContentRangeHeaderValue.Parse($"bytes */{job.VideoBytes}");
                return request;
            }, ct);
        }
        catch (HttpRequestException ex)
        {
            throw PublishTransientException.From(ex, "YouTube could not be reached to resume the upload.");
        }
        using (response)
        {
            if ((int)response.StatusCode == 308)
            {
                return new SessionStatus(ReceivedFrom(response), null, false);
            }
            if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created)
            {
                return new SessionStatus(job.VideoBytes, await VideoIdAsync(response, ct), false);
            }
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                return new SessionStatus(0, null, true);
            }
            await EnsureSuccessAsync(response, "resuming the upload", ct);
            throw new PublishTransientException($"YouTube answered {(int)response.StatusCode} when asked how far the upload got.");
        }
    }

    private async Task<string> SendFromAsync(HttpClient client, PublishJob job, string session, long offset, CancellationToken ct)
    {
        var total = job.VideoBytes;
        await using var chunks = new FileChunkReader(job.VideoPath, (int)Math.Min(Options.ChunkBytes, Math.Max(1, total)), total);
        while (true)
        {
            var chunk = await chunks.ReadAsync(offset, ct);
            var length = chunk.Length;
            HttpResponseMessage response;
            try
            {
                response = await SendAsync(client, job, TimeSpan.FromSeconds(Options.RequestTimeoutSeconds), () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = new ReadOnlyMemoryContent(chunk) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
                    request.Content.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + length - 1, total);
                    return request;
                }, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                throw PublishTransientException.From(ex, "The connection to YouTube dropped during the upload.");
            }
            using (response)
            {
                if ((int)response.StatusCode == 308)
                {
                    offset = ReceivedFrom(response);
                    var sent = offset;
                    await job.CheckpointAsync(p => p.BytesSent = sent, ct);
                    job.Progress.Report((double)offset / total);
                    continue;
                }
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created)
                {
                    job.Progress.Report(1);
                    return await VideoIdAsync(response, ct);
                }
                if ((int)response.StatusCode >= 500)
                {
                    throw new PublishTransientException($"YouTube answered {(int)response.StatusCode} during the upload.");
                }
                await EnsureSuccessAsync(response, "uploading", ct);
                throw new PublishTransientException($"YouTube answered {(int)response.StatusCode} during the upload.");
            }
        }
    }

    private async Task<string?> SetThumbnailAsync(HttpClient client, PublishJob job, string videoId, CancellationToken ct)
    {
        // Done on an earlier attempt: "set", or why YouTube kept its own.
        var saved = (JsonNode.Parse(job.Publication.DetailsJson) as JsonObject)?["thumbnail"]?.GetValue<string>();
        if (saved is not null || job.PosterPath is null)
        {
            return saved is "set" ? null : saved;
        }
        var poster = await File.ReadAllBytesAsync(job.PosterPath, ct);
        var response = await SendAsync(client, job, TimeSpan.FromSeconds(Options.RequestTimeoutSeconds), () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"upload/youtube/v3/thumbnails/set?videoId={Uri.EscapeDataString(videoId)}&uploadType=media")
            {
                Content = new ByteArrayContent(poster),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(job.PosterContentType ?? "image/jpeg");
            return request;
        }, ct);
        string outcome;
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                outcome = "set";
            }
            else if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
            {
                // The video is out; an account that may not set custom thumbnails keeps YouTube's own.
                var (reason, message) = await ErrorAsync(response, ct);
                outcome = $"YouTube kept its own thumbnail ({reason ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)}: {message})";
            }
            else
            {
                await EnsureSuccessAsync(response, "setting the thumbnail", ct);
                outcome = "set";
            }
        }
        await job.CheckpointAsync(p =>
        {
            var d = JsonNode.Parse(p.DetailsJson) as JsonObject ?? [];
            d["thumbnail"] = outcome;
            p.DetailsJson = d.ToJsonString();
        }, ct);
        return outcome == "set" ? null : outcome;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, PublishJob job, TimeSpan timeout, Func<HttpRequestMessage> build, CancellationToken ct) =>
        PlatformHttp.SendAsync(client, job, "YouTube", timeout, build, ct);

    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, string doing, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var (reason, message) = await ErrorAsync(response, ct);
        var code = (int)response.StatusCode;
        var said = $"YouTube answered {code}{(reason is null ? "" : $" ({reason})")} when {doing}{(message is null ? "" : $": {message}")}";
        if (reason is "quotaExceeded" or "uploadLimitExceeded" or "dailyLimitExceeded")
        {
            throw new PublishQuotaException($"{said}. The channel's YouTube quota for today is used up.");
        }
        if (code is 429 or >= 500 || reason is "rateLimitExceeded" or "userRateLimitExceeded" or "backendError")
        {
            throw new PublishTransientException(said + ".", PlatformHttp.RetryAfter(response));
        }
        throw new PublishRejectedException(said + ".");
    }

    private static async Task<(string? Reason, string? Message)> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            using var doc = JsonDocument.Parse(body.Length > 65536 ? body[..65536] : body);
            if (!doc.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }
            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var reason = error.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
                && list[0].TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            return (reason, message is null ? null : Truncate(message, 300));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static async Task<string> VideoIdAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            if (doc.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } value)
            {
                return value;
            }
        }
        catch (JsonException)
        {
        }
        throw new PublishTransientException("YouTube finished the upload but its answer named no video id.");
    }

    /// <summary>How many bytes the 308's <c>Range: bytes=0-N</c> says arrived (none without the header).</summary>
    private static long ReceivedFrom(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Range", out var values) && values.FirstOrDefault() is { } range
            && range.LastIndexOf('-') is var dash and > 0
            && long.TryParse(range.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            ? last + 1
            : 0;

    private static string Truncate(string text, int max) => PlatformHttp.Truncate(text, max);
}
