using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A stand-in for TikTok's Login Kit token endpoint and Content Posting API, speaking their wire
/// protocol: <c>client_key</c> + PKCE code exchange and refresh; <c>creator_info/query</c>; direct-post
/// and inbox <c>init</c> whose <c>source_info</c> must follow the chunk rules (at least
/// <see cref="MinChunk"/>, at most <see cref="MaxChunk"/>, the last chunk taking the remainder, a small
/// file whole); chunks PUT in order with <c>Content-Range</c> (206, then 201); <c>status/fetch</c> moving
/// through PROCESSING_UPLOAD / PROCESSING_DOWNLOAD to PUBLISH_COMPLETE, SEND_TO_USER_INBOX or FAILED;
/// errors as <c>{"error":{"code","message","log_id"}}</c>.
/// </summary>
public sealed class LoopbackTikTok : LoopbackServer
{
    public const string ClientKey = "loopback-tiktok-key";
    public const string ClientSecret = "loopback-tiktok-secret-value";

    private readonly ConcurrentDictionary<string, string> _codes = new();
    private readonly ConcurrentDictionary<string, bool> _accessTokens = new();
    private readonly ConcurrentDictionary<string, bool> _refreshTokens = new();
    private readonly ConcurrentDictionary<string, Post> _posts = new();
    private int _counter;

    public LoopbackTikTok(int minChunk, int maxChunk)
    {
        MinChunk = minChunk;
        MaxChunk = maxChunk;
    }

    public int MinChunk { get; }
    public int MaxChunk { get; }

    public sealed class Post
    {
        public required string PublishId { get; init; }
        public required bool Inbox { get; init; }
        public required JsonObject Init { get; init; }
        public required long Size { get; init; }
        public required long ChunkSize { get; init; }
        public required int ChunkCount { get; init; }
        public MemoryStream Bytes { get; } = new();
        public List<(long First, long Last)> Chunks { get; } = [];
        public string Status { get; set; } = "PROCESSING_UPLOAD";
        public string? FailReason { get; set; }
        public int Polls { get; set; }
        public string? PostId { get; set; }
    }

    public ConcurrentQueue<Post> Posts { get; } = new();
    /// <summary>Posts that reached a final, visible state (published or in the inbox): exactly-once is counted here.</summary>
    public IEnumerable<Post> Finished => Posts.Where(p => p.Status is "PUBLISH_COMPLETE" or "SEND_TO_USER_INBOX");
    public ConcurrentQueue<string> ProtocolErrors { get; } = new();
    public ConcurrentQueue<string> TokenRequests { get; } = new();
    public IReadOnlyCollection<string> IssuedTokens => [.. _accessTokens.Keys, .. _refreshTokens.Keys];

    /// <summary>The privacy levels creator_info offers.</summary>
    public string[] PrivacyOptions { get; set; } = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"];
    /// <summary>Refuse <c>is_aigc</c> as an unknown parameter (an API version without it).</summary>
    public bool RefuseAigc { get; set; }
    /// <summary>The next post fails in processing with this reason.</summary>
    public string? FailNextWith { get; set; }
    /// <summary>Status polls answered "processing" before the post is final.</summary>
    public int ProcessingPolls { get; set; } = 2;
    /// <summary>Hold the next non-final chunk's answer (after taking it) until released, so a test can kill the studio.</summary>
    public bool HoldNextChunk { get; set; }

    public string Consent(string authorizeUrl)
    {
        var query = HttpUtility.ParseQueryString(new Uri(authorizeUrl).Query);
        if (query["response_type"] != "code" || query["client_key"] != ClientKey || query["code_challenge_method"] != "S256"
            || query["scope"]?.Split(',').Contains("video.publish") != true)
        {
            throw new InvalidOperationException($"Not a TikTok authorize request with client_key, PKCE and video.publish: {authorizeUrl}");
        }
        var code = "tcode-" + Interlocked.Increment(ref _counter);
        _codes[code] = query["code_challenge"]!;
        return $"{query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(query["state"]!)}&scopes=video.publish";
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath;
        if (path == "/v2/oauth/token/" && request.HttpMethod == "POST")
        {
            await TokenAsync(context);
            return;
        }
        if (path.StartsWith("/upload/", StringComparison.Ordinal) && request.HttpMethod == "PUT")
        {
            // The upload URL is its own permission; TikTok's upload host takes no bearer token.
            await ChunkAsync(context, path["/upload/".Length..]);
            return;
        }
        var bearer = request.Headers["Authorization"] is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : null;
        if (bearer is null || !_accessTokens.ContainsKey(bearer))
        {
            await ErrorAsync(context.Response, 401, "access_token_invalid", "The access token is invalid or not found in the request.");
            return;
        }
        if (request.HttpMethod != "POST" || request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
        {
            ProtocolErrors.Enqueue($"{request.HttpMethod} {path} with {request.ContentType}");
            await ErrorAsync(context.Response, 400, "invalid_params", "Expected a JSON POST.");
            return;
        }
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync() is { Length: > 0 } text ? text : "{}")!.AsObject();
        switch (path)
        {
            case "/v2/post/publish/creator_info/query/":
                await OkAsync(context.Response, new JsonObject
                {
                    ["creator_username"] = "forge.studio",
                    ["creator_nickname"] = "Forge",
                    ["privacy_level_options"] = new JsonArray([.. PrivacyOptions.Select(o => (JsonNode)o)]),
                    ["comment_disabled"] = false,
                    ["duet_disabled"] = true,
                    ["stitch_disabled"] = false,
                    ["max_video_post_duration_sec"] = 600,
                });
                break;
            case "/v2/post/publish/video/init/":
            case "/v2/post/publish/inbox/video/init/":
                await InitAsync(context.Response, body, path.Contains("inbox", StringComparison.Ordinal));
                break;
            case "/v2/video/query/":
                var wanted = (body["filters"]?["video_ids"] as JsonArray)?.Select(v => v?.GetValue<string>()).ToHashSet() ?? [];
                await OkAsync(context.Response, new JsonObject
                {
                    ["videos"] = new JsonArray([.. Posts.Where(p => p.PostId is not null && wanted.Contains(p.PostId)).Select(p => (JsonNode)new JsonObject
                    {
                        ["id"] = p.PostId,
                        ["view_count"] = 5000,
                        ["like_count"] = 321,
                        ["comment_count"] = 12,
                        ["share_count"] = 4,
                    })]),
                    ["cursor"] = 0,
                    ["has_more"] = false,
                });
                break;
            case "/v2/post/publish/status/fetch/":
                await StatusAsync(context.Response, body["publish_id"]?.GetValue<string>());
                break;
            default:
                await ErrorAsync(context.Response, 404, "invalid_params", "Unknown endpoint.");
                break;
        }
    }

    private async Task TokenAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var form = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
        TokenRequests.Enqueue(form["grant_type"] ?? "");
        if (form["client_key"] != ClientKey || form["client_secret"] != ClientSecret)
        {
            await LoopbackListener.WriteJsonAsync(context.Response, 401, """{"error":"invalid_client","error_description":"Client key or secret is invalid.","log_id":"l1"}""");
            return;
        }
        string? refresh = null;
        if (form["grant_type"] == "authorization_code")
        {
            if (!_codes.TryRemove(form["code"] ?? "", out var challenge)
                || Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"] ?? ""))).TrimEnd('=').Replace('+', '-').Replace('/', '_') != challenge)
            {
                await LoopbackListener.WriteJsonAsync(context.Response, 400, """{"error":"invalid_grant","error_description":"Authorization code is expired.","log_id":"l2"}""");
                return;
            }
            refresh = "trefresh-" + Guid.NewGuid().ToString("N");
            _refreshTokens[refresh] = true;
        }
        else if (form["grant_type"] != "refresh_token" || !_refreshTokens.TryGetValue(form["refresh_token"] ?? "", out var valid) || !valid)
        {
            await LoopbackListener.WriteJsonAsync(context.Response, 400, """{"error":"invalid_grant","error_description":"Refresh token is invalid or expired.","log_id":"l3"}""");
            return;
        }
        else
        {
            refresh = form["refresh_token"];
        }
        var access = "tact-" + Guid.NewGuid().ToString("N");
        _accessTokens[access] = true;
        await LoopbackListener.WriteJsonAsync(context.Response, 200, new JsonObject
        {
            ["access_token"] = access,
            ["expires_in"] = 86400,
            ["open_id"] = "open-1",
            ["refresh_expires_in"] = 31536000,
            ["refresh_token"] = refresh,
            ["scope"] = "user.info.basic,video.publish,video.upload",
            ["token_type"] = "Bearer",
        }.ToJsonString());
    }

    private async Task InitAsync(HttpListenerResponse response, JsonObject body, bool inbox)
    {
        var source = body["source_info"] as JsonObject;
        if (source?["source"]?.GetValue<string>() != "FILE_UPLOAD" || source["video_size"] is null || source["chunk_size"] is null || source["total_chunk_count"] is null)
        {
            ProtocolErrors.Enqueue("init without FILE_UPLOAD source_info: " + body.ToJsonString());
            await ErrorAsync(response, 400, "invalid_params", "source_info is invalid.");
            return;
        }
        var size = source["video_size"]!.GetValue<long>();
        var chunk = source["chunk_size"]!.GetValue<long>();
        var count = source["total_chunk_count"]!.GetValue<int>();
        // The media transfer guide's rules: a file below the minimum goes whole; otherwise chunks within the bounds, floor(size / chunk) of them.
        var valid = size < MinChunk ? chunk == size && count == 1
            : chunk >= MinChunk && chunk <= MaxChunk && count == (size <= chunk ? 1 : (int)(size / chunk)) || (chunk == size && count == 1 && size <= MaxChunk);
        if (!valid)
        {
            ProtocolErrors.Enqueue($"chunk plan {size}/{chunk}/{count} breaks the rules");
            await ErrorAsync(response, 400, "invalid_params", "The chunk size or total chunk count is invalid.");
            return;
        }
        if (!inbox)
        {
            var info = body["post_info"] as JsonObject;
            var privacy = info?["privacy_level"]?.GetValue<string>();
            if (privacy is null || !PrivacyOptions.Contains(privacy))
            {
                await ErrorAsync(response, 400, "privacy_level_option_mismatch", "privacy_level is not one of the creator's options.");
                return;
            }
            if (RefuseAigc && info!.ContainsKey("is_aigc"))
            {
                await ErrorAsync(response, 400, "invalid_params", "Unknown field is_aigc in post_info.");
                return;
            }
        }
        var id = "v_pub_file~v2-1." + Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
        var post = new Post { PublishId = id, Inbox = inbox, Init = body, Size = size, ChunkSize = chunk, ChunkCount = count };
        _posts[Uri.EscapeDataString(id)] = post;
        Posts.Enqueue(post);
        await OkAsync(response, new JsonObject { ["publish_id"] = id, ["upload_url"] = $"{BaseUrl}upload/{Uri.EscapeDataString(id)}?upload_token=t{_counter}" });
    }

    private async Task ChunkAsync(HttpListenerContext context, string key)
    {
        var request = context.Request;
        var response = context.Response;
        if (!_posts.TryGetValue(key, out var post) && !_posts.TryGetValue(Uri.EscapeDataString(Uri.UnescapeDataString(key)), out post))
        {
            await ErrorAsync(response, 404, "invalid_params", "Unknown upload.");
            return;
        }
        var range = request.Headers["Content-Range"] ?? "";
        var parts = range.StartsWith("bytes ", StringComparison.Ordinal) ? range[6..].Split('/', '-') : [];
        if (parts.Length != 3 || !long.TryParse(parts[0], CultureInfo.InvariantCulture, out var first) || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var last)
            || parts[2] != post.Size.ToString(CultureInfo.InvariantCulture) || request.ContentType != "video/mp4")
        {
            ProtocolErrors.Enqueue($"chunk with Content-Range '{range}' and type {request.ContentType}");
            await ErrorAsync(response, 400, "invalid_params", "Content-Range is invalid.");
            return;
        }
        var index = post.Chunks.Count;
        var expectedFirst = index * post.ChunkSize;
        var expectedLast = index == post.ChunkCount - 1 ? post.Size - 1 : expectedFirst + post.ChunkSize - 1;
        if (first != expectedFirst || last != expectedLast)
        {
            ProtocolErrors.Enqueue($"chunk {first}-{last} where {expectedFirst}-{expectedLast} was due");
            await ErrorAsync(response, 416, "invalid_params", "Chunks must be uploaded in order with the declared size.");
            return;
        }
        var buffer = new byte[last - first + 1];
        await request.InputStream.ReadExactlyAsync(buffer);
        post.Bytes.Write(buffer);
        post.Chunks.Add((first, last));
        var done = post.Chunks.Count == post.ChunkCount;
        if (done)
        {
            post.Status = "PROCESSING_DOWNLOAD";
        }
        else if (HoldNextChunk)
        {
            HoldNextChunk = false;
            await HoldAsync();
            response.Abort();
            return;
        }
        response.StatusCode = done ? 201 : 206;
        response.ContentLength64 = 0;
        response.Close();
    }

    private async Task StatusAsync(HttpListenerResponse response, string? publishId)
    {
        var post = Posts.FirstOrDefault(p => p.PublishId == publishId);
        if (post is null)
        {
            await ErrorAsync(response, 400, "invalid_publish_id", "publish_id does not exist.");
            return;
        }
        if (post.Status == "PROCESSING_DOWNLOAD" && ++post.Polls > ProcessingPolls)
        {
            if (FailNextWith is { } reason)
            {
                FailNextWith = null;
                post.Status = "FAILED";
                post.FailReason = reason;
            }
            else
            {
                post.Status = post.Inbox ? "SEND_TO_USER_INBOX" : "PUBLISH_COMPLETE";
                var privacy = post.Init["post_info"]?["privacy_level"]?.GetValue<string>();
                post.PostId = !post.Inbox && privacy == "PUBLIC_TO_EVERYONE" ? (7300000000000000000L + Interlocked.Increment(ref _counter)).ToString(CultureInfo.InvariantCulture) : null;
            }
        }
        var data = new JsonObject { ["status"] = post.Status, ["uploaded_bytes"] = post.Bytes.Length };
        if (post.FailReason is not null)
        {
            data["fail_reason"] = post.FailReason;
        }
        if (post.PostId is not null)
        {
            // TikTok's own spelling, and a number.
            data["publicaly_available_post_id"] = new JsonArray(long.Parse(post.PostId, CultureInfo.InvariantCulture));
        }
        await OkAsync(response, data);
    }

    private static Task OkAsync(HttpListenerResponse response, JsonObject data) =>
        LoopbackListener.WriteJsonAsync(response, 200, new JsonObject
        {
            ["data"] = data,
            ["error"] = new JsonObject { ["code"] = "ok", ["message"] = "", ["log_id"] = Guid.NewGuid().ToString("N") },
        }.ToJsonString());

    private static Task ErrorAsync(HttpListenerResponse response, int status, string code, string message) =>
        LoopbackListener.WriteJsonAsync(response, status, new JsonObject
        {
            ["data"] = new JsonObject(),
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["log_id"] = Guid.NewGuid().ToString("N") },
        }.ToJsonString());
}
