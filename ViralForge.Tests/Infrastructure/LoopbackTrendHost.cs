using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Net;
using System.Text;

namespace ViralForge.Tests.Infrastructure;

/// <summary>One request as the host saw it.</summary>
public sealed record SeenRequest(string Method, string PathAndQuery, NameValueCollection Headers, string Body, DateTimeOffset At);

/// <summary>
/// A stand-in for the hosts trends come from (feeds, Reddit, Hacker News, YouTube, JSON endpoints):
/// each test routes paths to answers written the way the real hosts write them (status codes,
/// ETag / 304, Retry-After, X-Ratelimit-*), and the host records every request it was sent.
/// </summary>
public sealed class LoopbackTrendHost : LoopbackServer
{
    private readonly ConcurrentDictionary<string, Func<HttpListenerContext, Task>> _routes = new(StringComparer.Ordinal);

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>Answers requests whose path (without the query) is <paramref name="path"/>.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpListenerContext, string> _bodies = new();

    public void Route(string path, Func<HttpListenerContext, Task> answer) => _routes[path] = answer;

    /// <summary>The body of a request being answered (the host has read it already).</summary>
    public string BodyOf(HttpListenerContext context) => _bodies.TryGetValue(context, out var body) ? body : "";

    public int Count(string path) => Requests.Count(r => r.PathAndQuery.Split('?')[0] == path);

    public IReadOnlyList<SeenRequest> To(string path) => Requests.Where(r => r.PathAndQuery.Split('?')[0] == path).ToList();

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }
        var path = request.Url!.AbsolutePath;
        _bodies.AddOrUpdate(context, body);
        Requests.Enqueue(new SeenRequest(request.HttpMethod, request.Url.PathAndQuery, new NameValueCollection(request.Headers), body, DateTimeOffset.UtcNow));
        if (_routes.TryGetValue(path, out var answer))
        {
            await answer(context);
            return;
        }
        await WriteAsync(context.Response, 404, "text/plain", "not found");
    }

    /// <summary>A body with a content type, an optional ETag that answers If-None-Match with 304, and extra headers.</summary>
    public static Func<HttpListenerContext, Task> Body(string contentType, string body, string? etag = null, int status = 200, params (string Name, string Value)[] headers) =>
        async context =>
        {
            foreach (var (name, value) in headers)
            {
                context.Response.Headers[name] = value;
            }
            if (etag is not null)
            {
                context.Response.Headers["ETag"] = etag;
                if (context.Request.Headers["If-None-Match"] == etag)
                {
                    context.Response.StatusCode = 304;
                    context.Response.Close();
                    return;
                }
            }
            await WriteAsync(context.Response, status, contentType, body);
        };

    public static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    /// <summary>Never answers (until the test ends): a host that accepted the connection and hangs.</summary>
    public Func<HttpListenerContext, Task> Hang() => async _ => await Task.Delay(Timeout.Infinite, Stopping.Token);

    /// <summary>Sends <paramref name="megabytes"/> MB of XML-ish bytes without a length, as a runaway answer does.</summary>
    public static Func<HttpListenerContext, Task> Huge(int megabytes) => async context =>
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/rss+xml";
        context.Response.SendChunked = true;
        var chunk = Encoding.ASCII.GetBytes(new string('x', 1 << 20));
        await context.Response.OutputStream.WriteAsync(Encoding.ASCII.GetBytes("<rss version=\"2.0\"><channel><title>"));
        for (var i = 0; i < megabytes; i++)
        {
            await context.Response.OutputStream.WriteAsync(chunk);
        }
        context.Response.Close();
    };
}
