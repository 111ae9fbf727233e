using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Publishing.TikTok;

/// <summary>
/// TikTok Content Posting API: the creator's info first (only privacy levels it offers are used), then
/// a direct post or an upload to the creator's inbox, the file in chunks with <c>Content-Range</c>, and
/// the post's status polled to a final state. The publish id is saved the moment TikTok gives it, so a
/// retry asks TikTok what became of it instead of posting again. The AI-generated flag (<c>is_aigc</c>)
/// is sent; if TikTok refuses it the refusal is recorded and shown.
/// </summary>
public sealed class TikTokPublisher(IHttpClientFactory http, IOptions<PublishingOptions> options, TimeProvider time, ILogger<TikTokPublisher> log) : IPublisher, Stats.IStatsReader
{
    public const string HttpClientName = "tiktok";
    private const string Platform_ = "TikTok";

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;

    private TikTokOptions Options => options.Value.TikTok;
    private TimeSpan Timeout => TimeSpan.FromSeconds(Options.RequestTimeoutSeconds);

    public ChannelPlatform Platform => ChannelPlatform.TikTok;

    /// <summary>Direct post (default) or "inbox": the creator finishes the post in the TikTok app.</summary>
    public static bool PostsToInbox(Channel channel) => string.Equals(ChannelSettings.Text(channel, "tiktokMode"), "inbox", StringComparison.OrdinalIgnoreCase);

    public async Task<PublishResult> PublishAsync(PublishJob job, CancellationToken ct)
    {
        var client = http.CreateClient(HttpClientName);
        client.BaseAddress ??= new Uri(Options.ApiBaseUrl);
        var publication = job.Publication;
        if (PublicationDetails.Text(publication, "publishId") is { } known)
        {
            var status = await FetchStatusAsync(client, job, known, ct);
            if (status.IsFinal)
            {
                return Result(job, known, status);
            }
            if (status.Status == "FAILED")
            {
                if (PublicationDetails.Flag(publication, "uploaded"))
                {
                    throw new PublishRejectedException($"TikTok could not post the video: {Reason(status.FailReason)}.");
                }
                // The upload never finished (its URL expires after an hour): that post cannot appear, so a new one is safe.
                log.LogInformation("TikTok post {PublishId} of publication {PublicationId} failed before the upload finished ({Reason}); starting again.", known, publication.Id, status.FailReason);
                await job.CheckpointAsync(p => { p.UploadSession = null; p.BytesSent = 0; PublicationDetails.Set(p, ("publishId", null), ("chunkSize", null)); }, ct);
            }
            else if (!PublicationDetails.Flag(publication, "uploaded") && publication.UploadSession is { } url)
            {
                var received = status.UploadedBytes ?? publication.BytesSent;
                await UploadAsync(client, job, url, received, ct);
            }
        }
        if (PublicationDetails.Text(publication, "publishId") is null)
        {
            await StartAsync(client, job, ct);
            await UploadAsync(client, job, publication.UploadSession!, 0, ct);
        }
        var id = PublicationDetails.Text(publication, "publishId")!;
        var final = await PlatformProcessing.AwaitAsync(job, options.Value, time, Platform_, async token =>
        {
            var s = await FetchStatusAsync(client, job, id, token);
            return s.IsFinal ? s : s.Status == "FAILED" ? throw new PublishRejectedException($"TikTok could not post the video: {Reason(s.FailReason)}.") : null;
        }, ct);
        return Result(job, id, final);
    }

    /// <summary>A public post's numbers through <c>video/query</c> (needs the video.list scope).</summary>
    public async Task<Stats.PublicationNumbers> ReadAsync(Stats.StatsRequest request, CancellationToken ct)
    {
        var id = request.Publication.PlatformId;
        if (id is null || !id.All(char.IsAsciiDigit))
        {
            throw new PublishRejectedException("TikTok gives numbers only for public posts; this one has no public post id.");
        }
        var client = http.CreateClient(HttpClientName);
        client.BaseAddress ??= new Uri(Options.ApiBaseUrl);
        var data = await PostJsonAsync(client, request.AccessTokenAsync, "v2/video/query/?fields=id,view_count,like_count,comment_count,share_count",
            new JsonObject { ["filters"] = new JsonObject { ["video_ids"] = new JsonArray(id) } }, "reading the post's numbers", ct);
        var video = data.TryGetProperty("videos", out var videos) && videos.ValueKind == JsonValueKind.Array
            ? videos.EnumerateArray().FirstOrDefault(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("id", out var vid) && (vid.ValueKind == JsonValueKind.String ? vid.GetString() : vid.GetRawText()) == id)
            : default;
        if (video.ValueKind != JsonValueKind.Object)
        {
            throw new PublishRejectedException("TikTok no longer lists the post (deleted or made private).");
        }
        return new Stats.PublicationNumbers(Count(video, "view_count"), Count(video, "like_count"), Count(video, "comment_count"), Count(video, "share_count"));
    }

    private static long? Count(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    private PublishResult Result(PublishJob job, string publishId, PostStatus status)
    {
        var username = PublicationDetails.Text(job.Publication, "username");
        var notes = new List<string>();
        if (PublicationDetails.Text(job.Publication, "aigc") is { } aigc)
        {
            notes.Add(aigc);
        }
        if (PublicationDetails.Text(job.Publication, "privacyNote") is { } privacy)
        {
            notes.Add(privacy);
        }
        if (status.Status == "SEND_TO_USER_INBOX")
        {
            notes.Add("In the creator's TikTok inbox: they finish the post in the TikTok app.");
            return new PublishResult(publishId, null, string.Join(" ", notes));
        }
        var postId = status.PostIds.Count > 0 ? status.PostIds[0] : null;
        var url = postId is not null && username is not null
            ? string.Format(CultureInfo.InvariantCulture, Options.VideoUrlFormat, username, postId)
            : username is null ? null : $"https://www.tiktok.com/@{username}";
        if (status.PostIds.Count == 0)
        {
            notes.Add("TikTok gives no public link for a post that is not public.");
        }
        return new PublishResult(postId ?? publishId, url, notes.Count == 0 ? null : string.Join(" ", notes));
    }

    private async Task StartAsync(HttpClient client, PublishJob job, CancellationToken ct)
    {
        var inbox = PostsToInbox(job.Channel);
        var plan = TikTokChunkPlan.For(job.VideoBytes, Options);
        var source = new JsonObject
        {
            ["source"] = "FILE_UPLOAD",
            ["video_size"] = job.VideoBytes,
            ["chunk_size"] = plan.ChunkSize,
            ["total_chunk_count"] = plan.Count,
        };
        string? username = null;
        string? privacyNote = null;
        string? aigcNote = null;
        JsonObject body;
        string path;
        if (inbox)
        {
            path = "v2/post/publish/inbox/video/init/";
            body = new JsonObject { ["source_info"] = source };
        }
        else
        {
            var creator = await CreatorInfoAsync(client, job, ct);
            username = creator.Username;
            var (privacy, note) = ChoosePrivacy(job.Channel.DefaultPrivacy, creator.PrivacyOptions);
            privacyNote = note;
            path = "v2/post/publish/video/init/";
            body = new JsonObject
            {
                ["post_info"] = new JsonObject
                {
                    ["title"] = Caption(job),
                    ["privacy_level"] = privacy,
                    ["disable_comment"] = creator.CommentDisabled,
                    ["disable_duet"] = creator.DuetDisabled,
                    ["disable_stitch"] = creator.StitchDisabled,
                    ["video_cover_timestamp_ms"] = 1000,
                    ["brand_content_toggle"] = false,
                    ["brand_organic_toggle"] = false,
                    ["is_aigc"] = true,
                },
                ["source_info"] = source,
            };
        }
        JsonElement data;
        try
        {
            data = await PostJsonAsync(client, job, path, body, "starting the post", ct);
        }
        catch (TikTokApiException ex) when (ex.Code == "invalid_params" && ex.Message.Contains("is_aigc", StringComparison.OrdinalIgnoreCase))
        {
            // An API version that does not take the flag: post with the burned-in label and the disclosure, and say so.
            aigcNote = $"TikTok refused the AI-generated flag (is_aigc: {ex.PlatformMessage}); the video carries its visible AI label and the disclosure in its caption.";
            log.LogWarning("TikTok refused is_aigc for publication {PublicationId}; posting without it.", job.Publication.Id);
            ((JsonObject)body["post_info"]!).Remove("is_aigc");
            data = await PostJsonAsync(client, job, path, body, "starting the post", ct);
        }
        var publishId = data.TryGetProperty("publish_id", out var pid) && pid.ValueKind == JsonValueKind.String ? pid.GetString() : null;
        var uploadUrl = data.TryGetProperty("upload_url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        if (string.IsNullOrEmpty(publishId) || !Uri.TryCreate(uploadUrl, UriKind.Absolute, out _))
        {
            throw new PublishTransientException("TikTok accepted the post but gave no publish id or upload address.");
        }
        await job.CheckpointAsync(p =>
        {
            p.UploadSession = uploadUrl;
            p.BytesSent = 0;
            PublicationDetails.Set(p, ("publishId", publishId), ("chunkSize", plan.ChunkSize), ("username", username), ("privacyNote", privacyNote), ("aigc", aigcNote));
        }, ct);
    }

    private async Task UploadAsync(HttpClient client, PublishJob job, string url, long received, CancellationToken ct)
    {
        var chunkSize = PublicationDetails.Number(job.Publication, "chunkSize") ?? TikTokChunkPlan.For(job.VideoBytes, Options).ChunkSize;
        var plan = TikTokChunkPlan.WithChunk(job.VideoBytes, chunkSize);
        await using var reader = new FileChunkReader(job.VideoPath, (int)plan.Largest, job.VideoBytes);
        for (var index = plan.ChunkAfter(received); index < plan.Count; index++)
        {
            var (first, last) = plan.Range(index);
            var chunk = (await reader.ReadAsync(first, ct))[..(int)(last - first + 1)];
            var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ReadOnlyMemoryContent(chunk) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
            request.Content.Headers.ContentRange = new ContentRangeHeaderValue(first, last, job.VideoBytes);
            using var response = await PlatformHttp.SendUnsignedAsync(client, Platform_, Timeout, request, ct);
            if (response.StatusCode is HttpStatusCode.PartialContent or HttpStatusCode.Created or HttpStatusCode.OK)
            {
                var sent = last + 1;
                await job.CheckpointAsync(p => p.BytesSent = sent, ct);
                job.Progress.Report((double)sent / job.VideoBytes);
                continue;
            }
            var (code, message) = await ErrorAsync(response, ct);
            throw Classify(response, code, message, "uploading");
        }
        await job.CheckpointAsync(p => PublicationDetails.Set(p, ("uploaded", true)), ct);
    }

    private sealed record Creator(string? Username, IReadOnlyList<string> PrivacyOptions, bool CommentDisabled, bool DuetDisabled, bool StitchDisabled);

    private async Task<Creator> CreatorInfoAsync(HttpClient client, PublishJob job, CancellationToken ct)
    {
        var data = await PostJsonAsync(client, job, "v2/post/publish/creator_info/query/", null, "asking for the creator's settings", ct);
        var options = data.TryGetProperty("privacy_level_options", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];
        return new Creator(
            data.TryGetProperty("creator_username", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null,
            options,
            data.TryGetProperty("comment_disabled", out var c) && c.ValueKind == JsonValueKind.True,
            data.TryGetProperty("duet_disabled", out var d) && d.ValueKind == JsonValueKind.True,
            data.TryGetProperty("stitch_disabled", out var s) && s.ValueKind == JsonValueKind.True);
    }

    /// <summary>The channel's privacy in TikTok's words, if the creator may use it; else the most private level offered.</summary>
    public static (string Level, string? Note) ChoosePrivacy(string channelPrivacy, IReadOnlyList<string> offered)
    {
        var wanted = channelPrivacy switch
        {
            "public" => "PUBLIC_TO_EVERYONE",
            "unlisted" => "MUTUAL_FOLLOW_FRIENDS",
            _ => "SELF_ONLY",
        };
        if (offered.Contains(wanted))
        {
            return (wanted, null);
        }
        if (offered.Count == 0)
        {
            throw new PublishRejectedException("TikTok offered this account no privacy level to post with; check the account in the TikTok app.");
        }
        var fallback = offered.Contains("SELF_ONLY") ? "SELF_ONLY" : offered.Contains("MUTUAL_FOLLOW_FRIENDS") ? "MUTUAL_FOLLOW_FRIENDS" : offered[0];
        return (fallback, $"TikTok lets this account post only as {string.Join(", ", offered)}; posted as {fallback} instead of {wanted}.");
    }

    private sealed record PostStatus(string Status, string? FailReason, long? UploadedBytes, IReadOnlyList<string> PostIds)
    {
        public bool IsFinal => Status is "PUBLISH_COMPLETE" or "SEND_TO_USER_INBOX";
    }

    private async Task<PostStatus> FetchStatusAsync(HttpClient client, PublishJob job, string publishId, CancellationToken ct)
    {
        var data = await PostJsonAsync(client, job, "v2/post/publish/status/fetch/", new JsonObject { ["publish_id"] = publishId }, "asking for the post's status", ct);
        var ids = data.TryGetProperty("publicaly_available_post_id", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetRawText() : e.GetString()).OfType<string>().ToList()
            : [];
        return new PostStatus(
            data.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "UNKNOWN",
            data.TryGetProperty("fail_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null,
            data.TryGetProperty("uploaded_bytes", out var b) && b.ValueKind == JsonValueKind.Number && b.TryGetInt64(out var bytes) ? bytes : null,
            ids);
    }

    private static string Caption(PublishJob job)
    {
        // TikTok's title is the caption (at most 2,200 characters): the title, the disclosure and the hashtags.
        var caption = string.Join("\n\n", new[] { job.Metadata.Title, job.Metadata.AiDisclosure, string.Join(' ', job.Metadata.Tags) }.Where(s => !string.IsNullOrWhiteSpace(s)));
        return PlatformHttp.Truncate(caption, 2200);
    }

    /// <summary>A JSON call with the channel's token; the answer's <c>data</c> when <c>error.code</c> is "ok".</summary>
    private Task<JsonElement> PostJsonAsync(HttpClient client, PublishJob job, string path, JsonObject? body, string doing, CancellationToken ct) =>
        PostJsonAsync(client, job.AccessTokenAsync, path, body, doing, ct);

    private async Task<JsonElement> PostJsonAsync(HttpClient client, Func<bool, CancellationToken, Task<string>> accessToken, string path, JsonObject? body, string doing, CancellationToken ct)
    {
        var json = (body ?? []).ToJsonString();
        using var response = await PlatformHttp.SendAsync(client, accessToken, Platform_, Timeout, () => new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        }, ct);
        var text = await PlatformHttp.ReadCappedAsync(response, ct);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(text);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests
                ? new PublishTransientException($"TikTok answered {(int)response.StatusCode} when {doing}.", PlatformHttp.RetryAfter(response))
                : new PublishTransientException($"TikTok answered {(int)response.StatusCode} with something that is not JSON when {doing}.");
        }
        var (code, message) = ReadError(root);
        if (response.IsSuccessStatusCode && code is null or "ok")
        {
            return root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object ? data : EmptyObject;
        }
        throw Classify(response, code, message, doing);
    }

    private static Exception Classify(HttpResponseMessage response, string? code, string? message, string doing)
    {
        var said = $"TikTok answered {(int)response.StatusCode}{(code is null ? "" : $" ({code})")} when {doing}{(string.IsNullOrEmpty(message) ? "" : $": {message}")}";
        return code switch
        {
            "spam_risk_too_many_posts" or "spam_risk_too_many_pending_share" or "reached_active_user_cap" =>
                new PublishQuotaException($"{said}. TikTok's posting limit for this account is reached for today."),
            "scope_not_authorized" or "access_token_invalid" =>
                new ChannelNeedsReconnectException($"{said}. Connect the channel again (granting video.publish / video.upload)."),
            "unaudited_client_can_only_post_to_private_accounts" =>
                new PublishRejectedException($"{said}. Until TikTok audits the studio's app, posts must be private: set the channel's privacy to private."),
            _ when code is "rate_limit_exceeded" or "internal_error" || response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500 =>
                new PublishTransientException(said + ".", PlatformHttp.RetryAfter(response)),
            _ => new TikTokApiException(code, message, said + "."),
        };
    }

    private static (string? Code, string? Message) ReadError(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object
            ? (e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null,
               e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? PlatformHttp.Truncate(m.GetString()!, 300) : null)
            : (null, null);

    private static async Task<(string? Code, string? Message)> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            using var doc = JsonDocument.Parse(await PlatformHttp.ReadCappedAsync(response, ct, 65536));
            return ReadError(doc.RootElement);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string Reason(string? failReason) => failReason switch
    {
        null or "" => "no reason given",
        "file_format_check_failed" => "the file format was refused (file_format_check_failed)",
        "duration_check_failed" => "the video is too long or too short for this account (duration_check_failed)",
        "frame_rate_check_failed" => "the frame rate was refused (frame_rate_check_failed)",
        "picture_size_check_failed" => "the picture size was refused (picture_size_check_failed)",
        "internal" => "an error inside TikTok (internal)",
        _ => failReason,
    };

    /// <summary>A refusal TikTok explained with an error code; not worth retrying as it is.</summary>
    private sealed class TikTokApiException(string? code, string? platformMessage, string message) : PublishRejectedException(message)
    {
        public string? Code { get; } = code;
        public string? PlatformMessage { get; } = platformMessage;
    }
}
