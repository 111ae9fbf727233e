using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using OpenAI;
using Polly;
using Polly.Timeout;

namespace ViralForge.Core.Script.Models;

/// <summary>
/// Any server speaking OpenAI's /v1/chat/completions (Ollama, vLLM, llama.cpp server…), through
/// Microsoft.Extensions.AI with the script's JSON schema as structured output. Load refusals (429,
/// 5xx) and timeouts are retried with backoff, honouring Retry-After; every try goes through the
/// shared per-host limiter, so a hosted endpoint's limits and an open circuit hold for all workers.
/// </summary>
public sealed class OpenAiCompatibleScriptModel : IScriptModel, IDisposable
{
    private static readonly BinaryData Schema = BinaryData.FromString(ScriptSchema.JsonSchema().ToJsonString());
    private readonly HttpClient _http;
    private readonly IChatClient _chat;
    private readonly ScriptModelOptions _options;

    public OpenAiCompatibleScriptModel(IOptions<ScriptModelOptions> options, Outside.HostRateLimiter limiter)
    {
        _options = options.Value;
        if (!Uri.TryCreate(_options.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new ScriptModelConfigurationException($"Script:Endpoint must be an http(s) address such as http://localhost:11434/v1; it is '{_options.Endpoint}'.");
        }
        if (string.IsNullOrWhiteSpace(_options.Model))
        {
            throw new ScriptModelConfigurationException("Script:Model must name the model the endpoint serves (for Ollama, e.g. llama3.1:8b).");
        }
        Name = _options.Model;
        _http = new HttpClient(new ResilienceHandler(BuildResilience(_options))
        {
            InnerHandler = new Outside.HostRateLimitHandler(limiter) { InnerHandler = new SocketsHttpHandler() },
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(_options.ApiKey) ? "none" : _options.ApiKey), new OpenAIClientOptions
        {
            Endpoint = endpoint,
            Transport = new HttpClientPipelineTransport(_http),
            // Retries live in the resilience handler, which understands Retry-After.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        });
        _chat = client.GetChatClient(_options.Model).AsIChatClient();
    }

    public string Provider => "openai";

    public string Name { get; }

    public async Task<ScriptModelAnswer> CompleteAsync(IReadOnlyList<ChatMessage> messages, ScriptModelSettings settings, CancellationToken ct)
    {
        var chatOptions = new ChatOptions
        {
            // The schema goes out as written: local servers (llama.cpp, vLLM, Ollama) enforce its lengths,
            // counts and patterns, which the adapter's OpenAI-strict rewrite would move into descriptions.
            RawRepresentationFactory = _ => new OpenAI.Chat.ChatCompletionOptions
            {
                ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("video_script", Schema, "A short vertical video's script.", jsonSchemaIsStrict: false),
            },
            Temperature = (float)settings.Temperature,
            MaxOutputTokens = settings.MaxOutputTokens,
            Seed = settings.Seed,
        };
        try
        {
            var response = await _chat.GetResponseAsync(messages, chatOptions, ct);
            return new ScriptModelAnswer(response.Text, response.ModelId ?? Name);
        }
        catch (ClientResultException ex) when (ex.Status is 408 or 409 or 429 or >= 500)
        {
            throw new ScriptModelUnavailableException($"The script model endpoint is busy or failing (HTTP {ex.Status}) after {_options.HttpRetries + 1} tries; the stage will try again later.", ex);
        }
        catch (ClientResultException ex) when (ex.Status is 401 or 403)
        {
            throw new ScriptModelConfigurationException($"The script model endpoint refused the credentials (HTTP {ex.Status}); check Script:ApiKey.", ex);
        }
        catch (ClientResultException ex) when (ex.Status == 404)
        {
            throw new ScriptModelConfigurationException($"The script model endpoint does not know model '{Name}' or the path (HTTP 404); check Script:Endpoint (it usually ends in /v1) and Script:Model.", ex);
        }
        catch (ClientResultException ex) when (ex.Status > 0)
        {
            throw new ScriptModelConfigurationException($"The script model endpoint rejected the request (HTTP {ex.Status}): {Shorten(ex.Message)}", ex);
        }
        catch (Exception ex) when (ex is TimeoutRejectedException || ex is ClientResultException || ex is HttpRequestException
            || (ex is TaskCanceledException or OperationCanceledException && !ct.IsCancellationRequested))
        {
            var what = ex is TimeoutRejectedException or OperationCanceledException
                ? $"did not answer within {_options.TimeoutSeconds:0.#} s"
                : $"could not be reached ({Shorten(ex.Message)})";
            throw new ScriptModelUnavailableException($"The script model endpoint {what} after {_options.HttpRetries + 1} tries; the stage will try again later.", ex);
        }
        catch (JsonException ex)
        {
            throw new ScriptModelUnavailableException($"The script model endpoint sent a response that is not an OpenAI chat completion ({Shorten(ex.Message)}).", ex);
        }
    }

    private static ResiliencePipeline<HttpResponseMessage> BuildResilience(ScriptModelOptions options)
    {
        var maxWait = TimeSpan.FromSeconds(options.MaxRetryAfterSeconds);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.HttpRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.HttpRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = maxWait,
                ShouldRetryAfterHeader = false,
                // Retry-After from the server wins, but a request is never parked longer than the cap.
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result) is { } wait ? (TimeSpan?)(wait > maxWait ? maxWait : wait) : null),
            });
        }
        return builder
            .AddTimeout(TimeSpan.FromSeconds(options.TimeoutSeconds))
            .Build();
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        if (response is null || response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
        {
            return null;
        }
        return Outside.RetryAfterHeader.Of(response);
    }

    private static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "…";

    public void Dispose()
    {
        _chat.Dispose();
        _http.Dispose();
    }
}
