using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A stand-in for Facebook Login and the Instagram Graph API, speaking their wire protocol: code
/// exchange and <c>fb_exchange_token</c> for a long-lived token; <c>me/accounts</c> with the linked
/// Instagram professional account; <c>content_publishing_limit</c>; REELS containers whose
/// <c>video_url</c> this server fetches itself in two range requests, as Meta's fetcher does; container
/// <c>status_code</c> IN_PROGRESS → FINISHED (or ERROR / EXPIRED on request); <c>media_publish</c>; the
/// account's media list; and Graph errors as <c>{"error":{"message","type","code","error_subcode"}}</c>.
/// </summary>
public sealed class LoopbackMeta : LoopbackServer
{
    public const string AppId = "loopback-meta-app";
    public const string AppSecret = "loopback-meta-secret-value";
    public const string AccountId = "17841400000000001";

    private readonly ConcurrentDictionary<string, bool> _codes = new();
    private readonly ConcurrentDictionary<string, bool> _tokens = new();
    private readonly ConcurrentDictionary<string, Container> _containers = new();
    private readonly ConcurrentDictionary<string, Media> _media = new();
    private readonly HttpClient _fetcher = new();
    private long _counter = 18000000000000000;

    public string GraphUrl => BaseUrl + "v21.0/";

    public sealed class Container
    {
        public required string Id { get; init; }
        public required Dictionary<string, string> Form { get; init; }
        public string StatusCode { get; set; } = "IN_PROGRESS";
        public string? Status { get; set; }
        public string? Sha256 { get; set; }
        public long Bytes { get; set; }
        public List<string> RangesAnswered { get; } = [];
        public int Polls { get; set; }
        public string? Outcome { get; set; }
    }

    public sealed record Media(string Id, string ContainerId, string Caption, string Permalink, DateTimeOffset Timestamp);

    public ConcurrentQueue<Container> Containers { get; } = new();
    public IReadOnlyCollection<Media> Published => _order.ToList();
    private readonly ConcurrentQueue<Media> _order = new();
    public ConcurrentQueue<string> TokenRequests { get; } = new();
    public IReadOnlyCollection<string> IssuedTokens => _tokens.Keys.ToList();
    public int LimitReads => _limitReads;
    private int _limitReads;

    public int QuotaUsage { get; set; }
    /// <summary>The next container ends "ERROR" or "EXPIRED" instead of FINISHED.</summary>
    public string? NextContainerOutcome { get; set; }
    public bool RefuseAiFlag { get; set; }
    public int ProcessingPolls { get; set; } = 2;
    /// <summary>Hold the next media_publish answer after the reel exists, until released.</summary>
    public bool HoldPublish { get; set; }

    public void RevokeAll() => _tokens.Clear();

    public string Consent(string authorizeUrl)
    {
        var query = HttpUtility.ParseQueryString(new Uri(authorizeUrl).Query);
        if (query["response_type"] != "code" || query["client_id"] != AppId || query["scope"]?.Contains("instagram_content_publish", StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException($"Not a Facebook Login request for instagram_content_publish: {authorizeUrl}");
        }
        var code = "mcode-" + Guid.NewGuid().ToString("N");
        _codes[code] = true;
        return $"{query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(query["state"]!)}#_=_";
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath;
        if (!path.StartsWith("/v21.0/", StringComparison.Ordinal))
        {
            await ErrorAsync(context.Response, 400, 2500, null, "Unknown path components");
            return;
        }
        path = path["/v21.0/".Length..];
        var form = request.HttpMethod == "POST" ? HttpUtility.ParseQueryString(await new StreamReader(request.InputStream, Encoding.UTF8).ReadToEndAsync()) : [];
        if (path == "oauth/access_token")
        {
            await TokenAsync(context.Response, form);
            return;
        }
        if (request.QueryString["access_token"] is not null || form["access_token"] is not null)
        {
            // The studio keeps tokens out of URLs (and so out of logs); a token here is a protocol slip.
            Slips.Enqueue($"token in the request for {path}");
        }
        var bearer = request.Headers["Authorization"] is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : null;
        if (bearer is null || !_tokens.ContainsKey(bearer))
        {
            await ErrorAsync(context.Response, 400, 190, 463, "Error validating access token: Session has expired.", "OAuthException");
            return;
        }
        var segments = path.Split('/');
        if (path == "me/accounts" && request.HttpMethod == "GET")
        {
            await LoopbackListener.WriteJsonAsync(context.Response, 200, new JsonObject
            {
                ["data"] = new JsonArray(new JsonObject
                {
                    ["id"] = "1100000000001",
                    ["name"] = "Forge Page",
                    ["instagram_business_account"] = new JsonObject { ["id"] = AccountId, ["username"] = "forge.reels" },
                }),
            }.ToJsonString());
        }
        else if (segments is [AccountId, "content_publishing_limit"])
        {
            Interlocked.Increment(ref _limitReads);
            await LoopbackListener.WriteJsonAsync(context.Response, 200, new JsonObject
            {
                ["data"] = new JsonArray(new JsonObject { ["quota_usage"] = QuotaUsage, ["config"] = new JsonObject { ["quota_total"] = 50, ["quota_duration"] = 86400 } }),
            }.ToJsonString());
        }
        else if (segments is [AccountId, "media"] && request.HttpMethod == "POST")
        {
            await CreateContainerAsync(context.Response, form);
        }
        else if (segments is [AccountId, "media"])
        {
            await LoopbackListener.WriteJsonAsync(context.Response, 200, new JsonObject
            {
                // Newest first, as the media edge lists them.
                ["data"] = new JsonArray([.. _order.Reverse().Select(m => (JsonNode)new JsonObject
                {
                    ["id"] = m.Id,
                    ["caption"] = m.Caption,
                    ["timestamp"] = m.Timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss+0000", CultureInfo.InvariantCulture),
                })]),
            }.ToJsonString());
        }
        else if (segments is [AccountId, "media_publish"] && request.HttpMethod == "POST")
        {
            await PublishAsync(context.Response, form["creation_id"]);
        }
        else if (segments.Length == 1 && _containers.TryGetValue(segments[0], out var container))
        {
            Advance(container);
            var body = new JsonObject { ["status_code"] = container.StatusCode, ["id"] = container.Id };
            if (container.Status is not null)
            {
                body["status"] = container.Status;
            }
            await LoopbackListener.WriteJsonAsync(context.Response, 200, body.ToJsonString());
        }
        else if (segments.Length == 1 && _media.TryGetValue(segments[0], out var media))
        {
            var fields = request.QueryString["fields"] ?? "";
            var body = new JsonObject { ["id"] = media.Id };
            if (fields.Contains("permalink", StringComparison.Ordinal))
            {
                body["permalink"] = media.Permalink;
            }
            if (fields.Contains("like_count", StringComparison.Ordinal))
            {
                body["like_count"] = 87;
                body["comments_count"] = 9;
            }
            await LoopbackListener.WriteJsonAsync(context.Response, 200, body.ToJsonString());
        }
        else if (segments.Length == 2 && segments[1] == "insights" && _media.ContainsKey(segments[0]) && request.QueryString["metric"] is { } asked
            && asked.Split(',').All(m => m is "views" or "ig_reels_video_view_total_time"))
        {
            // Views in the older values[] shape, total watch time (ms) in the newer total_value shape.
            var data = new JsonArray();
            foreach (var metric in asked.Split(','))
            {
                data.Add(metric == "views"
                    ? new JsonObject
                    {
                        ["name"] = "views", ["period"] = "lifetime", ["values"] = new JsonArray(new JsonObject { ["value"] = 2400 }),
                        ["title"] = "Views", ["id"] = $"{segments[0]}/insights/views/lifetime",
                    }
                    : new JsonObject
                    {
                        ["name"] = metric, ["period"] = "lifetime", ["total_value"] = new JsonObject { ["value"] = WatchMilliseconds },
                        ["title"] = "Total watch time", ["id"] = $"{segments[0]}/insights/{metric}/lifetime",
                    });
            }
            await LoopbackListener.WriteJsonAsync(context.Response, 200, new JsonObject { ["data"] = data }.ToJsonString());
        }
        else
        {
            await ErrorAsync(context.Response, 400, 100, 33, $"Unsupported request: object '{segments[0]}' does not exist.");
        }
    }

    /// <summary>Every reel's total watch time, as its insights give it.</summary>
    public const long WatchMilliseconds = 5_430_000;

    /// <summary>Protocol slips (a token in a URL or form).</summary>
    public ConcurrentQueue<string> Slips { get; } = new();

    private async Task TokenAsync(HttpListenerResponse response, System.Collections.Specialized.NameValueCollection form)
    {
        TokenRequests.Enqueue(form["grant_type"] ?? "");
        if (form["client_id"] != AppId || form["client_secret"] != AppSecret)
        {
            await ErrorAsync(response, 400, 101, null, "Error validating client secret.", "OAuthException");
            return;
        }
        string token;
        long expires;
        if (form["grant_type"] == "fb_exchange_token")
        {
            if (!_tokens.ContainsKey(form["fb_exchange_token"] ?? ""))
            {
                await ErrorAsync(response, 400, 190, 460, "Error validating access token: The session has been invalidated.", "OAuthException");
                return;
            }
            token = "long-" + Guid.NewGuid().ToString("N");
            expires = 5184000;
        }
        else if (_codes.TryRemove(form["code"] ?? "", out _) && !string.IsNullOrEmpty(form["redirect_uri"]))
        {
            token = "short-" + Guid.NewGuid().ToString("N");
            expires = 3600;
        }
        else
        {
            await ErrorAsync(response, 400, 100, 36009, "This authorization code has been used.", "OAuthException");
            return;
        }
        _tokens[token] = true;
        await LoopbackListener.WriteJsonAsync(response, 200, new JsonObject { ["access_token"] = token, ["token_type"] = "bearer", ["expires_in"] = expires }.ToJsonString());
    }

    private async Task CreateContainerAsync(HttpListenerResponse response, System.Collections.Specialized.NameValueCollection form)
    {
        if (form["media_type"] != "REELS" || !Uri.TryCreate(form["video_url"], UriKind.Absolute, out var url))
        {
            await ErrorAsync(response, 400, 100, 2207052, "The media type or video_url is invalid.");
            return;
        }
        if (RefuseAiFlag && form["is_ai_generated"] is not null)
        {
            await ErrorAsync(response, 400, 100, null, "(#100) Param is_ai_generated is not a valid parameter");
            return;
        }
        var id = Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
        var container = new Container
        {
            Id = id,
            Form = form.AllKeys.OfType<string>().ToDictionary(k => k, k => form[k]!),
            Outcome = NextContainerOutcome,
        };
        NextContainerOutcome = null;
        _containers[id] = container;
        Containers.Enqueue(container);
        _ = Task.Run(() => FetchAsync(container, url));
        await LoopbackListener.WriteJsonAsync(response, 200, new JsonObject { ["id"] = id }.ToJsonString());
    }

    /// <summary>Like Meta's fetcher: the first megabyte, then the rest, each a range request.</summary>
    private async Task FetchAsync(Container container, Uri url)
    {
        try
        {
            using var head = new HttpRequestMessage(HttpMethod.Get, url);
            head.Headers.Range = new RangeHeaderValue(0, 1024 * 1024 - 1);
            using var first = await _fetcher.SendAsync(head, Stopping.Token);
            if (first.StatusCode != HttpStatusCode.PartialContent || first.Content.Headers.ContentRange?.Length is not { } total)
            {
                container.Status = $"Error: Media download has failed. The media URI doesn't meet our requirements ({(int)first.StatusCode}).";
                container.StatusCode = "ERROR";
                return;
            }
            container.RangesAnswered.Add(first.Content.Headers.ContentRange.ToString());
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var bytes = await first.Content.ReadAsByteArrayAsync(Stopping.Token);
            hash.AppendData(bytes);
            long received = bytes.Length;
            if (received < total)
            {
                using var rest = new HttpRequestMessage(HttpMethod.Get, url);
                rest.Headers.Range = new RangeHeaderValue(received, null);
                using var second = await _fetcher.SendAsync(rest, Stopping.Token);
                container.RangesAnswered.Add(second.Content.Headers.ContentRange?.ToString() ?? $"{(int)second.StatusCode}");
                var tail = await second.Content.ReadAsByteArrayAsync(Stopping.Token);
                hash.AppendData(tail);
                received += tail.Length;
            }
            container.Bytes = received;
            container.Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            container.Status = "Error: Media download has failed.";
            container.StatusCode = "ERROR";
        }
    }

    private void Advance(Container container)
    {
        if (container.StatusCode != "IN_PROGRESS" || container.Sha256 is null || ++container.Polls <= ProcessingPolls)
        {
            return;
        }
        (container.StatusCode, container.Status) = container.Outcome switch
        {
            "ERROR" => ("ERROR", "Error: The video's aspect ratio or codec is not supported (2207026)."),
            "EXPIRED" => ("EXPIRED", "Expired: the container was not published within 24 hours."),
            _ => ("FINISHED", "Finished: Media has been uploaded and it is ready to be published."),
        };
    }

    private async Task PublishAsync(HttpListenerResponse response, string? creationId)
    {
        if (creationId is null || !_containers.TryGetValue(creationId, out var container) || container.StatusCode != "FINISHED")
        {
            await ErrorAsync(response, 400, 9007, 2207027, "The media is not ready for publishing, please wait for a moment.");
            return;
        }
        var id = Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
        container.StatusCode = "PUBLISHED";
        var media = new Media(id, container.Id, container.Form.GetValueOrDefault("caption", ""), $"https://www.instagram.com/reel/R{id}/", DateTimeOffset.UtcNow);
        _media[id] = media;
        _order.Enqueue(media);
        if (HoldPublish)
        {
            HoldPublish = false;
            await HoldAsync();
            response.Abort();
            return;
        }
        await LoopbackListener.WriteJsonAsync(response, 200, new JsonObject { ["id"] = id }.ToJsonString());
    }

    private static Task ErrorAsync(HttpListenerResponse response, int status, int code, int? subcode, string message, string type = "OAuthException") =>
        LoopbackListener.WriteJsonAsync(response, status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = type,
                ["code"] = code,
                ["error_subcode"] = subcode,
                ["fbtrace_id"] = "A" + Guid.NewGuid().ToString("N")[..10],
            },
        }.ToJsonString());

    protected override ValueTask DisposeMoreAsync()
    {
        _fetcher.Dispose();
        return ValueTask.CompletedTask;
    }
}
