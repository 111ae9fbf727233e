using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A stand-in for an OpenAI-compatible server (Ollama, vLLM, llama.cpp server): it speaks
/// POST /v1/chat/completions and answers each request with the next scripted behaviour.
/// </summary>
public sealed class LoopbackChatServer : IAsyncDisposable
{
    public abstract record Behaviour;
    public sealed record Answer(string Content, string Model = "loopback-model") : Behaviour;
    public sealed record Status(int Code, string? RetryAfter = null) : Behaviour;
    public sealed record Raw(string Body) : Behaviour;
    public sealed record Hang : Behaviour;

    public sealed record Received(DateTimeOffset At, JsonObject Body, string? Authorization);

    private readonly HttpListener _listener;
    private readonly ConcurrentQueue<Behaviour> _script = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackChatServer(params Behaviour[] script)
    {
        foreach (var b in script)
        {
            _script.Enqueue(b);
        }
        (_listener, var port) = LoopbackListener.Start();
        Endpoint = $"http://127.0.0.1:{port}/v1";
        _loop = Task.Run(() => LoopbackListener.ServeAsync(_listener, HandleAsync, _stop.Token));
    }

    public string Endpoint { get; } = "";

    /// <summary>When set, decides every answer from the request body (the script queue is not used).</summary>
    public Func<JsonObject, Behaviour>? Respond { get; set; }

    /// <summary>What to do once the script is used up.</summary>
    public Behaviour Otherwise { get; set; } = new Status(500);

    public ConcurrentQueue<Received> Requests { get; } = new();

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var response = context.Response;
        if (context.Request.HttpMethod != "POST" || context.Request.Url?.AbsolutePath != "/v1/chat/completions")
        {
            response.StatusCode = 404;
            response.Close();
            return;
        }
        Requests.Enqueue(new Received(DateTimeOffset.UtcNow, JsonNode.Parse(body)!.AsObject(), context.Request.Headers["Authorization"]));
        var request = JsonNode.Parse(body)!.AsObject();
        var behaviour = Respond is { } respond ? respond(request) : _script.TryDequeue(out var next) ? next : Otherwise;
        try
        {
            switch (behaviour)
            {
                case Answer a:
                    await LoopbackListener.WriteJsonAsync(response, 200, JsonSerializer.Serialize(new
                    {
                        id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..8],
                        @object = "chat.completion",
                        created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                        model = a.Model,
                        choices = new[] { new { index = 0, message = new { role = "assistant", content = a.Content }, finish_reason = "stop" } },
                        usage = new { prompt_tokens = 10, completion_tokens = 10, total_tokens = 20 },
                    }));
                    break;
                case Status s:
                    if (s.RetryAfter is not null)
                    {
                        response.Headers["Retry-After"] = s.RetryAfter;
                    }
                    await LoopbackListener.WriteJsonAsync(response, s.Code, """{"error":{"message":"scripted failure","type":"server_error"}}""");
                    break;
                case Raw r:
                    await LoopbackListener.WriteJsonAsync(response, 200, r.Body);
                    break;
                case Hang:
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    break;
            }
        }
        catch (Exception)
        {
            // The client gave up (a timeout test) or the server is stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
        }
    }
}
