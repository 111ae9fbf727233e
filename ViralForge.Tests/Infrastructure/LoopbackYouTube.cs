using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Web;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A stand-in for Google's OAuth token endpoint and YouTube's upload API, speaking their wire
/// protocol: authorization code with PKCE and refresh (<c>invalid_grant</c> when revoked), bearer
/// tokens (401 when expired), <c>videos.insert</c> as a resumable upload (session URI in
/// <c>Location</c>, chunks with <c>Content-Range</c>, 308 with <c>Range: bytes=0-N</c>, status queries
/// with <c>bytes */N</c>, 200 with the video resource when complete), <c>thumbnails.set</c>, and
/// YouTube's error body (403 <c>quotaExceeded</c>). Tests can drop a connection mid-chunk or hold a
/// phase open while they kill the studio.
/// </summary>
public sealed class LoopbackYouTube : LoopbackServer
{
    public const string ClientId = "loopback-client";
    public const string ClientSecret = "loopback-secret-value";

    private readonly ConcurrentDictionary<string, (string Challenge, string RedirectUri)> _codes = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _accessTokens = new();
    private readonly ConcurrentDictionary<string, bool> _refreshTokens = new();
    private readonly ConcurrentDictionary<string, Session> _sessions = new();
    private int _counter;

    public sealed class Session(bool keepBytes)
    {
        private readonly MemoryStream? _bytes = keepBytes ? new() : null;
        // Hashing every byte is a test's check; a benchmark of the uploader keeps the stand-in server cheap.
        private readonly IncrementalHash? _hash = keepBytes ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;

        public required JsonObject Metadata { get; init; }
        public required long Total { get; init; }
        public long Length { get; private set; }
        public string? VideoId { get; set; }

        public void Append(byte[] buffer, int count)
        {
            _bytes?.Write(buffer, 0, count);
            _hash?.AppendData(buffer, 0, count);
            Length += count;
        }

        public Video ToVideo() => new(VideoId!, Metadata, _hash is null ? null : Convert.ToHexStringLower(_hash.GetCurrentHash()), _bytes?.ToArray(), Length);
    }

    public sealed record Video(string Id, JsonObject Metadata, string? Sha256, byte[]? Bytes, long Length);

    /// <summary>Keep and hash every uploaded byte (tests); a benchmark only counts them.</summary>
    public bool KeepBytes { get; init; } = true;

    /// <summary>Requests that broke the upload protocol; a correct client leaves this empty.</summary>
    public ConcurrentQueue<string> ProtocolErrors { get; } = new();

    /// <summary>A valid access token without the OAuth dance, for a benchmark.</summary>
    public string IssueAccessToken()
    {
        var access = "access-" + Guid.NewGuid().ToString("N");
        _accessTokens[access] = DateTimeOffset.UtcNow.AddHours(1);
        return access;
    }

    public ConcurrentQueue<Video> Videos { get; } = new();
    public ConcurrentDictionary<string, int> Thumbnails { get; } = new();
    public ConcurrentQueue<string> TokenRequests { get; } = new();
    public IReadOnlyCollection<string> IssuedAccessTokens => _accessTokens.Keys.ToList();
    public IReadOnlyCollection<string> IssuedRefreshTokens => _refreshTokens.Keys.ToList();
    public int UploadStarts => _starts;
    private int _starts;

    /// <summary>Answer every upload start with 403 quotaExceeded.</summary>
    public bool QuotaExceeded { get; set; }

    /// <summary>Drop the connection in the middle of the next this-many chunks (keeping what arrived).</summary>
    public int DropNextChunks { get; set; }

    /// <summary>Hold the response to the next chunk ("chunk") or to the final chunk after the video exists ("final") until released.</summary>
    public string? HoldPhase { get; set; }

    public void RevokeAll()
    {
        foreach (var key in _refreshTokens.Keys)
        {
            _refreshTokens[key] = false;
        }
        _accessTokens.Clear();
    }

    public void ExpireAccessTokens() => _accessTokens.Clear();

    /// <summary>The numbers videos.list reports for a video: fixed per id, so a test knows them.</summary>
    public static (long Views, long Likes, long Comments) NumbersOf(string id) => (1000 + (id.Length * 7), 40 + id.Length, 3);

    /// <summary>A video's privacy at a moment: public from its publishAt on when it was uploaded to be held.</summary>
    public static string PrivacyOf(Video video, DateTimeOffset at)
    {
        var status = video.Metadata["status"]!;
        var privacy = status["privacyStatus"]!.GetValue<string>();
        return status["publishAt"] is { } publishAt && at >= DateTimeOffset.Parse(publishAt.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) ? "public" : privacy;
    }

    /// <summary>The minutes watched YouTube Analytics reports for a video.</summary>
    public static double WatchMinutesOf(string id) => 250 + id.Length;

    public int StatisticsReads { get; private set; }

    /// <summary>What a person does at the consent screen: the authorize URL redirects back with a code.</summary>
    public string Consent(string authorizeUrl)
    {
        var query = HttpUtility.ParseQueryString(new Uri(authorizeUrl).Query);
        // What Google's consent screen refuses, this refuses too (as an exception: a person would see an error page).
        if (query["response_type"] != "code" || query["client_id"] != ClientId || query["code_challenge_method"] != "S256"
            || query["scope"]?.Contains("youtube.upload", StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException($"The authorize request is not a PKCE code request for YouTube uploads: {authorizeUrl}");
        }
        var code = "code-" + Interlocked.Increment(ref _counter);
        _codes[code] = (query["code_challenge"]!, query["redirect_uri"]!);
        return $"{query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(query["state"]!)}";
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath;
        if (path == "/token" && request.HttpMethod == "POST")
        {
            await TokenAsync(context);
            return;
        }
        var bearer = request.Headers["Authorization"] is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : null;
        if (bearer is null || !_accessTokens.TryGetValue(bearer, out var expires) || expires < DateTimeOffset.UtcNow)
        {
            await Error(context.Response, 401, "authError", "Invalid Credentials");
            return;
        }
        if (path == "/upload/youtube/v3/videos" && request.HttpMethod == "POST")
        {
            await StartAsync(context);
        }
        else if (path.StartsWith("/upload/session/", StringComparison.Ordinal) && request.HttpMethod == "PUT")
        {
            await ChunkAsync(context, path["/upload/session/".Length..]);
        }
        else if (path == "/youtube/v3/videos" && request.HttpMethod == "GET" && request.QueryString["part"] == "statistics")
        {
            // videos.list: counts as strings, as YouTube sends them; an unknown id gives no items.
            var id = request.QueryString["id"] ?? "";
            var items = new JsonArray();
            if (Videos.Any(v => v.Id == id))
            {
                var (views, likes, comments) = NumbersOf(id);
                items.Add(new JsonObject
                {
                    ["kind"] = "youtube#video",
                    ["id"] = id,
                    ["statistics"] = new JsonObject { ["viewCount"] = views.ToString(System.Globalization.CultureInfo.InvariantCulture), ["likeCount"] = likes.ToString(System.Globalization.CultureInfo.InvariantCulture), ["favoriteCount"] = "0", ["commentCount"] = comments.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                });
            }
            StatisticsReads++;
            await LoopbackListener.WriteJsonAsync(context.Response, 200, new JsonObject { ["kind"] = "youtube#videoListResponse", ["items"] = items }.ToJsonString());
        }
        else if (path == "/youtube/v3/videos" && request.HttpMethod == "GET" && request.QueryString["part"] == "status")
        {
            // A video uploaded private with publishAt turns public at that time, as YouTube does.
            var id = request.QueryString["id"] ?? "";
            var items = new JsonArray();
            if (Videos.FirstOrDefault(v => v.Id == id) is { } video)
            {
                items.Add(new JsonObject { ["kind"] = "youtube#video", ["id"] = id, ["status"] = new JsonObject { ["privacyStatus"] = PrivacyOf(video, DateTimeOffset.UtcNow) } });
            }
            await LoopbackListener.WriteJsonAsync(context.Response, 200, new JsonObject { ["kind"] = "youtube#videoListResponse", ["items"] = items }.ToJsonString());
        }
        else if (path == "/v2/reports" && request.HttpMethod == "GET")
        {
            // YouTube Analytics reports.query: one row of the asked metrics for the channel's own video.
            var filter = request.QueryString["filters"] ?? "";
            var id = filter.StartsWith("video==", StringComparison.Ordinal) ? filter[7..] : "";
            if (request.QueryString["ids"] != "channel==MINE" || request.QueryString["metrics"] != "estimatedMinutesWatched"
                || !DateOnly.TryParseExact(request.QueryString["startDate"], "yyyy-MM-dd", out _) || !DateOnly.TryParseExact(request.QueryString["endDate"], "yyyy-MM-dd", out _))
            {
                await Error(context.Response, 400, "badRequest", "Could not parse the query.");
                return;
            }
            var rows = new JsonArray();
            if (Videos.Any(v => v.Id == id))
            {
                rows.Add(new JsonArray(WatchMinutesOf(id)));
            }
            await LoopbackListener.WriteJsonAsync(context.Response, 200, new JsonObject
            {
                ["kind"] = "youtubeAnalytics#resultTable",
                ["columnHeaders"] = new JsonArray(new JsonObject { ["name"] = "estimatedMinutesWatched", ["columnType"] = "METRIC", ["dataType"] = "INTEGER" }),
                ["rows"] = rows,
            }.ToJsonString());
        }
        else if (path == "/upload/youtube/v3/thumbnails/set" && request.HttpMethod == "POST")
        {
            var id = request.QueryString["videoId"]!;
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            Thumbnails[id] = (int)body.Length;
            await LoopbackListener.WriteJsonAsync(context.Response, 200, """{"kind":"youtube#thumbnailSetResponse","items":[{}]}""");
        }
        else
        {
            await Error(context.Response, 404, "notFound", "Not Found");
        }
    }

    private async Task TokenAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var form = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
        TokenRequests.Enqueue(form["grant_type"] ?? "");
        if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
        {
            await LoopbackListener.WriteJsonAsync(context.Response, 401, """{"error":"invalid_client"}""");
            return;
        }
        if (form["grant_type"] == "authorization_code")
        {
            // PKCE: the verifier must hash to the challenge the authorize request carried.
            if (!_codes.TryRemove(form["code"] ?? "", out var issued) || issued.RedirectUri != form["redirect_uri"]
                || Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"] ?? ""))) != issued.Challenge)
            {
                await LoopbackListener.WriteJsonAsync(context.Response, 400, """{"error":"invalid_grant","error_description":"Bad code or verifier."}""");
                return;
            }
            var refresh = "refresh-" + Guid.NewGuid().ToString("N");
            _refreshTokens[refresh] = true;
            await IssueAsync(context.Response, refresh);
            return;
        }
        if (form["grant_type"] == "refresh_token" && _refreshTokens.TryGetValue(form["refresh_token"] ?? "", out var valid) && valid)
        {
            await IssueAsync(context.Response, null);
            return;
        }
        await LoopbackListener.WriteJsonAsync(context.Response, 400, """{"error":"invalid_grant","error_description":"Token has been expired or revoked."}""");
    }

    private async Task IssueAsync(HttpListenerResponse response, string? refresh)
    {
        var access = "access-" + Guid.NewGuid().ToString("N");
        _accessTokens[access] = DateTimeOffset.UtcNow.AddHours(1);
        var body = new JsonObject { ["access_token"] = access, ["expires_in"] = 3599, ["token_type"] = "Bearer", ["scope"] = "https://www.googleapis.com/auth/youtube.upload" };
        if (refresh is not null)
        {
            body["refresh_token"] = refresh;
        }
        await LoopbackListener.WriteJsonAsync(response, 200, body.ToJsonString());
    }

    private async Task StartAsync(HttpListenerContext context)
    {
        var request = context.Request;
        if (request.QueryString["uploadType"] != "resumable" || request.QueryString["part"]?.Contains("status", StringComparison.Ordinal) != true
            || request.Headers["X-Upload-Content-Type"] != "video/mp4" || !long.TryParse(request.Headers["X-Upload-Content-Length"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var total))
        {
            ProtocolErrors.Enqueue($"upload start: {request.Url}");
            await Error(context.Response, 400, "badRequest", "Expected a resumable upload with part=snippet,status and X-Upload-Content-Type/Length.");
            return;
        }
        if (QuotaExceeded)
        {
            await Error(context.Response, 403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.");
            return;
        }
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var metadata = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
        var id = Guid.NewGuid().ToString("N");
        _sessions[id] = new Session(KeepBytes) { Metadata = metadata, Total = total };
        Interlocked.Increment(ref _starts);
        context.Response.StatusCode = 200;
        context.Response.AddHeader("Location", $"{BaseUrl}upload/session/{id}?upload_id={id}");
        context.Response.ContentLength64 = 0;
        context.Response.Close();
    }

    private async Task ChunkAsync(HttpListenerContext context, string sessionId)
    {
        var request = context.Request;
        var response = context.Response;
        if (!_sessions.TryGetValue(sessionId, out var session))
        {
            await Error(response, 404, "notFound", "The upload session does not exist.");
            return;
        }
        var range = request.Headers["Content-Range"] ?? "";
        if (range.StartsWith("bytes */", StringComparison.Ordinal))
        {
            // A status query.
            await using (var _ = request.InputStream)
            {
            }
            await AnswerStatusAsync(response, session);
            return;
        }
        var span = range["bytes ".Length..].Split('/')[0].Split('-');
        var first = long.Parse(span[0], System.Globalization.CultureInfo.InvariantCulture);
        var last = long.Parse(span[1], System.Globalization.CultureInfo.InvariantCulture);
        if (first != session.Length)
        {
            ProtocolErrors.Enqueue($"chunk from {first} when {session.Length} bytes had arrived");
            // YouTube answers a chunk that does not continue where it left off with the range it has.
            await AnswerStatusAsync(response, session);
            return;
        }
        var length = (int)(last - first + 1);
        var buffer = new byte[length];
        if (DropNextChunks > 0 && length > 1)
        {
            DropNextChunks--;
            var half = length / 2;
            await request.InputStream.ReadExactlyAsync(buffer.AsMemory(0, half));
            // Like YouTube, keep what arrived (rounded down to 256 KiB), then lose the connection.
            var kept = half / (256 * 1024) * (256 * 1024);
            session.Append(buffer, kept);
            response.Abort();
            return;
        }
        await request.InputStream.ReadExactlyAsync(buffer);
        if (HoldPhase == "chunk")
        {
            HoldPhase = null;
            await HoldAsync();
            response.Abort();
            return;
        }
        session.Append(buffer, length);
        if (session.Length == session.Total && session.VideoId is null)
        {
            session.VideoId = "yt" + Interlocked.Increment(ref _counter).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            Videos.Enqueue(session.ToVideo());
            if (HoldPhase == "final")
            {
                HoldPhase = null;
                await HoldAsync();
                response.Abort();
                return;
            }
        }
        await AnswerStatusAsync(response, session);
    }

    private static async Task AnswerStatusAsync(HttpListenerResponse response, Session session)
    {
        if (session.VideoId is { } id)
        {
            await LoopbackListener.WriteJsonAsync(response, 200, new JsonObject
            {
                ["kind"] = "youtube#video",
                ["id"] = id,
                ["snippet"] = session.Metadata["snippet"]?.DeepClone(),
                ["status"] = new JsonObject { ["uploadStatus"] = "uploaded" },
            }.ToJsonString());
            return;
        }
        response.StatusCode = 308;
        if (session.Length > 0)
        {
            response.AddHeader("Range", $"bytes=0-{session.Length - 1}");
        }
        response.ContentLength64 = 0;
        response.Close();
    }

    private static Task Error(HttpListenerResponse response, int code, string reason, string message) =>
        LoopbackListener.WriteJsonAsync(response, code, JsonSerializer.Serialize(new
        {
            error = new { code, message, errors = new[] { new { message, domain = reason == "quotaExceeded" ? "youtube.quota" : "global", reason } } },
        }));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
