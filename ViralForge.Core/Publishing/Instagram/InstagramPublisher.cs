using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Publishing.Instagram;

/// <summary>
/// Instagram Reels through the Graph API: the publishing limit read first, a REELS container whose
/// <c>video_url</c> is the studio's signed, expiring, range-capable link, the container polled to
/// FINISHED (ERROR and EXPIRED handled), then <c>media_publish</c>. The container id is saved before
/// polling and "publish requested" before publishing, so after a crash a PUBLISHED container is looked
/// up instead of published again.
/// </summary>
public sealed class InstagramPublisher(IHttpClientFactory http, IOptions<PublishingOptions> options, TimeProvider time, ILogger<InstagramPublisher> log) : IPublisher, Stats.IStatsReader
{
    public const string HttpClientName = "instagram";
    private const string Name = "Instagram";

    private InstagramOptions Options => options.Value.Instagram;
    private TimeSpan Timeout => TimeSpan.FromSeconds(Options.RequestTimeoutSeconds);

    public ChannelPlatform Platform => ChannelPlatform.Instagram;

    public async Task<PublishResult> PublishAsync(PublishJob job, CancellationToken ct)
    {
        var client = http.CreateClient(HttpClientName);
        client.BaseAddress ??= new Uri(Options.GraphBaseUrl.EndsWith('/') ? Options.GraphBaseUrl : Options.GraphBaseUrl + "/");
        var publication = job.Publication;
        var caption = Caption(job);
        var account = await AccountAsync(client, job, ct);
        var mediaId = publication.PlatformId;
        while (mediaId is null)
        {
            if (publication.UploadSession is null)
            {
                await CheckLimitAsync(client, job, account, ct);
                await CreateContainerAsync(client, job, account, caption, ct);
            }
            var container = publication.UploadSession!;
            var state = await PlatformProcessing.AwaitAsync(job, options.Value, time, Name, async token =>
            {
                var (code, status) = await ContainerStatusAsync(client, job, container, token);
                return code is "FINISHED" or "PUBLISHED" or "EXPIRED" or "ERROR" ? new ContainerState(code, status) : null;
            }, ct);
            if (state.Code is "EXPIRED" or "ERROR")
            {
                // The container is spent: forget it, so the next try makes a new one (nothing was published).
                await job.CheckpointAsync(p => { p.UploadSession = null; PublicationDetails.Set(p, ("publishRequested", null), ("processingSince", null)); }, ct);
                if (state.Code == "ERROR")
                {
                    throw new PublishRejectedException($"Instagram could not process the video: {state.Status ?? "no reason given"}.");
                }
                log.LogInformation("Instagram container of publication {PublicationId} expired before it was published; making a new one.", publication.Id);
                continue;
            }
            if (state.Code == "PUBLISHED")
            {
                mediaId = await FindPublishedAsync(client, job, account, caption, ct)
                    ?? throw new PublishTransientException("Instagram says the reel was published but does not list it yet; asking again.");
            }
            else
            {
                var requestedAt = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
                await job.CheckpointAsync(p => PublicationDetails.Set(p, ("publishRequested", requestedAt)), ct);
                using var doc = await CallAsync(client, job, HttpMethod.Post, $"{account}/media_publish",
                    new Dictionary<string, string> { ["creation_id"] = container }, "publishing the reel", ct);
                mediaId = Text(doc.RootElement, "id") ?? throw new PublishTransientException("Instagram published the reel but named no media id.");
            }
            var id = mediaId;
            await job.CheckpointAsync(p => p.PlatformId = id, ct);
        }
        job.Progress.Report(1);
        using var media = await CallAsync(client, job, HttpMethod.Get, $"{mediaId}?fields=permalink", null, "asking for the reel's link", ct);
        return new PublishResult(mediaId, Text(media.RootElement, "permalink"), PublicationDetails.Text(publication, "aiFlag"));
    }

    /// <summary>Likes and comments from the media, views from its insights.</summary>
    public async Task<Stats.PublicationNumbers> ReadAsync(Stats.StatsRequest request, CancellationToken ct)
    {
        var client = http.CreateClient(HttpClientName);
        client.BaseAddress ??= new Uri(Options.GraphBaseUrl.EndsWith('/') ? Options.GraphBaseUrl : Options.GraphBaseUrl + "/");
        var id = request.Publication.PlatformId ?? throw new PublishRejectedException("The publication has no Instagram media id.");
        using var media = await CallAsync(client, request.AccessTokenAsync, HttpMethod.Get, $"{id}?fields=like_count,comments_count", null, "reading the reel's numbers", ct);
        // Views, and the reel's total watch time (milliseconds) where Instagram gives it.
        string? note = null;
        JsonDocument insights;
        try
        {
            insights = await CallAsync(client, request.AccessTokenAsync, HttpMethod.Get, $"{id}/insights?metric=views,ig_reels_video_view_total_time", null, "reading the reel's views", ct);
        }
        catch (PublishRejectedException ex)
        {
            // An account or API version without the watch-time metric still gives views.
            note = $"Watch time could not be read: {ex.Message}";
            insights = await CallAsync(client, request.AccessTokenAsync, HttpMethod.Get, $"{id}/insights?metric=views", null, "reading the reel's views", ct);
        }
        using var _ = insights;
        long? Metric(string name)
        {
            if (!insights.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            // Older answers carry values[0].value, newer ones total_value.value.
            return data.EnumerateArray().Where(m => Text(m, "name") == name).Select(m =>
                m.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0 ? Number(values[0], "value")
                : m.TryGetProperty("total_value", out var total) ? Number(total, "value") : null).LastOrDefault();
        }
        var watched = Metric("ig_reels_video_view_total_time");
        return new Stats.PublicationNumbers(Metric("views"), Number(media.RootElement, "like_count"), Number(media.RootElement, "comments_count"),
            WatchMinutes: watched / 60_000.0, Note: note);
    }

    private static long? Number(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    private sealed record ContainerState(string Code, string? Status);

    /// <summary>The Instagram professional account: the channel's setting, else the one linked to the connected Facebook pages.</summary>
    private async Task<string> AccountAsync(HttpClient client, PublishJob job, CancellationToken ct)
    {
        if (ChannelSettings.Text(job.Channel, "accountId") is { } configured)
        {
            return configured;
        }
        if (PublicationDetails.Text(job.Publication, "account") is { } found)
        {
            return found;
        }
        using var doc = await CallAsync(client, job, HttpMethod.Get, "me/accounts?fields=name,instagram_business_account{id,username}", null, "listing the connected accounts", ct);
        var accounts = doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
            ? data.EnumerateArray()
                .Where(p => p.TryGetProperty("instagram_business_account", out var ig) && ig.ValueKind == JsonValueKind.Object)
                .Select(p => (Id: Text(p.GetProperty("instagram_business_account"), "id"), User: Text(p.GetProperty("instagram_business_account"), "username")))
                .Where(a => a.Id is not null)
                .ToList()
            : [];
        if (accounts.Count != 1)
        {
            throw new PublishRejectedException(accounts.Count == 0
                ? "The connected Facebook account has no Instagram professional account linked to a page; link one, or set the account id on the channel."
                : $"The connected Facebook account has {accounts.Count} Instagram accounts ({string.Join(", ", accounts.Select(a => $"{a.User} = {a.Id}"))}); set the one to use as the channel's account id.");
        }
        var account = accounts[0].Id!;
        await job.CheckpointAsync(p => PublicationDetails.Set(p, ("account", account)), ct);
        return account;
    }

    private async Task CheckLimitAsync(HttpClient client, PublishJob job, string account, CancellationToken ct)
    {
        using var doc = await CallAsync(client, job, HttpMethod.Get, $"{account}/content_publishing_limit?fields=quota_usage,config", null, "reading the publishing limit", ct);
        if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0)
        {
            var first = data[0];
            if (first.ValueKind != JsonValueKind.Object)
            {
                return;
            }
            var used = first.TryGetProperty("quota_usage", out var u) && u.ValueKind == JsonValueKind.Number && u.TryGetInt32(out var n) ? n : 0;
            var total = first.TryGetProperty("config", out var config) && config.ValueKind == JsonValueKind.Object
                && config.TryGetProperty("quota_total", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out var m) ? m : 50;
            if (used >= total)
            {
                throw new PublishQuotaException($"Instagram's publishing limit is used up ({used} of {total} posts in 24 hours).");
            }
        }
    }

    private async Task CreateContainerAsync(HttpClient client, PublishJob job, string account, string caption, CancellationToken ct)
    {
        var form = new Dictionary<string, string>
        {
            ["media_type"] = "REELS",
            ["video_url"] = job.MediaUrl(),
            ["caption"] = caption,
            ["share_to_feed"] = ChannelSettings.Parse(job.Channel)["shareToFeed"] is { } share && share.GetValue<bool>() == false ? "false" : "true",
            ["is_ai_generated"] = "true",
        };
        string? aiNote = null;
        JsonDocument doc;
        try
        {
            doc = await CallAsync(client, job, HttpMethod.Post, $"{account}/media", form, "creating the reel", ct);
        }
        catch (GraphApiException ex) when (ex.Message.Contains("is_ai_generated", StringComparison.OrdinalIgnoreCase))
        {
            aiNote = $"Instagram refused the AI-generated flag (is_ai_generated: {ex.PlatformMessage}); the reel carries its visible AI label and the disclosure in its caption.";
            log.LogWarning("Instagram refused is_ai_generated for publication {PublicationId}; posting without it.", job.Publication.Id);
            form.Remove("is_ai_generated");
            doc = await CallAsync(client, job, HttpMethod.Post, $"{account}/media", form, "creating the reel", ct);
        }
        using (doc)
        {
            var container = Text(doc.RootElement, "id") ?? throw new PublishTransientException("Instagram accepted the reel but named no container.");
            await job.CheckpointAsync(p =>
            {
                p.UploadSession = container;
                PublicationDetails.Set(p, ("aiFlag", aiNote), ("publishRequested", null));
            }, ct);
        }
    }

    private async Task<(string? Code, string? Status)> ContainerStatusAsync(HttpClient client, PublishJob job, string container, CancellationToken ct)
    {
        using var doc = await CallAsync(client, job, HttpMethod.Get, $"{container}?fields=status_code,status", null, "asking how the reel's processing goes", ct);
        return (Text(doc.RootElement, "status_code"), Text(doc.RootElement, "status") is { } s ? PlatformHttp.Truncate(s, 300) : null);
    }

    /// <summary>
    /// A reel published before the studio heard its id: the newest of the account's latest with this
    /// caption, made after the publish was asked for (minus clock skew; the list is newest first, so an
    /// older post of the same video on this account is passed over).
    /// </summary>
    private async Task<string?> FindPublishedAsync(HttpClient client, PublishJob job, string account, string caption, CancellationToken ct)
    {
        var since = PublicationDetails.Text(job.Publication, "publishRequested") is { } asked
            && DateTimeOffset.TryParse(asked, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var at)
            ? at.AddMinutes(-2) : DateTimeOffset.MinValue;
        using var doc = await CallAsync(client, job, HttpMethod.Get, $"{account}/media?fields=id,caption,timestamp&limit=25", null, "listing the account's reels", ct);
        return doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
            ? data.EnumerateArray()
                .Where(m => Text(m, "caption") == caption)
                .Where(m => GraphTime(Text(m, "timestamp")) is not { } made || made >= since)
                .Select(m => Text(m, "id"))
                .FirstOrDefault()
            : null;
    }

    /// <summary>The Graph API's times look like 2026-12-03T10:00:00+0000.</summary>
    public static DateTimeOffset? GraphTime(string? text) =>
        text is { Length: 24 } && (text[19] is '+' or '-')
            && DateTimeOffset.TryParse(text.Insert(22, ":"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
            ? at : null;

    public static string Caption(PublishJob job) => PlatformHttp.Truncate(job.Metadata.Title + "\n\n" + job.Metadata.Description, 2200);

    /// <summary>A Graph API call with the channel's token (in the header, never in a logged URL); errors in plain words.</summary>
    private Task<JsonDocument> CallAsync(HttpClient client, PublishJob job, HttpMethod method, string path, Dictionary<string, string>? form, string doing, CancellationToken ct) =>
        CallAsync(client, job.AccessTokenAsync, method, path, form, doing, ct);

    private async Task<JsonDocument> CallAsync(HttpClient client, Func<bool, CancellationToken, Task<string>> accessToken, HttpMethod method, string path, Dictionary<string, string>? form, string doing, CancellationToken ct)
    {
        using var response = await PlatformHttp.SendAsync(client, accessToken, Name, Timeout,
            () => new HttpRequestMessage(method, path) { Content = form is null ? null : new FormUrlEncodedContent(form) }, ct, IsExpiredTokenAsync);
        var text = await PlatformHttp.ReadCappedAsync(response, ct);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new PublishTransientException($"Instagram answered {(int)response.StatusCode} with something that is not JSON when {doing}.", PlatformHttp.RetryAfter(response));
        }
        var error = GraphError.Read(doc.RootElement);
        if (response.IsSuccessStatusCode && error is null)
        {
            return doc;
        }
        doc.Dispose();
        throw Classify(response, error, doing);
    }

    /// <summary>Meta says an expired or revoked token with code 190 (often as a 400), not always a 401.</summary>
    private static async Task<bool> IsExpiredTokenAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return false;
        }
        try
        {
            // Buffered (and capped), so the caller can still read the error after this look at it.
            await response.Content.LoadIntoBufferAsync(1 << 20, ct);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(ct));
            return GraphError.Read(doc.RootElement) is { Code: 190 or 102 };
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException)
        {
            return false;
        }
    }

    private static Exception Classify(HttpResponseMessage response, GraphError? error, string doing)
    {
        var said = $"Instagram answered {(int)response.StatusCode}{(error is null ? "" : $" (code {error.Code}{(error.Subcode is { } sub ? $"/{sub}" : "")})")} when {doing}{(error?.Message is { } m ? $": {m}" : "")}";
        return error switch
        {
            { Code: 9, Subcode: 2207042 } => new PublishQuotaException($"{said}. Instagram's publishing limit for this account is reached."),
            { Code: 10 or 200 } => new ChannelNeedsReconnectException($"{said}. Connect the channel again, granting instagram_content_publish."),
            { Code: 1 or 2 or 4 or 17 or 32 or 613 or 80002 } or { Transient: true } =>
                new PublishTransientException(said + ".", PlatformHttp.RetryAfter(response) ?? (error.Code is 4 or 17 or 32 or 613 ? TimeSpan.FromMinutes(5) : null)),
            _ when response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500 =>
                new PublishTransientException(said + ".", PlatformHttp.RetryAfter(response)),
            _ => new GraphApiException(error?.Message, said + "."),
        };
    }

    private sealed record GraphError(int Code, int? Subcode, string? Message, bool Transient)
    {
        public static GraphError? Read(JsonElement root) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object
                ? new GraphError(
                    e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var code) ? code : 0,
                    e.TryGetProperty("error_subcode", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt32(out var sub) ? sub : null,
                    (e.TryGetProperty("error_user_msg", out var um) && um.ValueKind == JsonValueKind.String ? um.GetString()
                        : e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null) is { } msg ? PlatformHttp.Truncate(msg, 300) : null,
                    e.TryGetProperty("is_transient", out var t) && t.ValueKind == JsonValueKind.True)
                : null;
    }

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ValueKind == JsonValueKind.Number ? v.GetRawText() : null
            : null;

    /// <summary>A refusal the Graph API explained; not worth retrying as it is.</summary>
    private sealed class GraphApiException(string? platformMessage, string message) : PublishRejectedException(message)
    {
        public string? PlatformMessage { get; } = platformMessage;
    }
}
