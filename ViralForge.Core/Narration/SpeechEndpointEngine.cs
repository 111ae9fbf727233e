using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ViralForge.Core.Outside;

namespace ViralForge.Core.Narration;

/// <summary>Any OpenAI-compatible speech endpoint (/v1/audio/speech): Kokoro-FastAPI, openedai-speech, a hosted service.</summary>
public sealed class SpeechEndpointOptions
{
    public const string Section = "Speech";

    /// <summary>The API's base, e.g. http://localhost:8880/v1. Empty: no endpoint voices.</summary>
    public string? Endpoint { get; set; }

    /// <summary>From the environment (Speech__ApiKey); sent as a bearer token, never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The model the endpoint speaks with (kokoro, tts-1…).</summary>
    public string Model { get; set; } = "kokoro";

    /// <summary>Voices to offer, comma-separated; empty asks the endpoint (GET audio/voices, as Kokoro-FastAPI answers).</summary>
    public string? Voices { get; set; }

    /// <summary>The language the endpoint's voices speak, for dictionary entries restricted to a language.</summary>
    public string Language { get; set; } = "en-us";

    [Range(1, 600)]
    public double TimeoutSeconds { get; set; } = 120;

    /// <summary>Retries of a busy or failing endpoint (429, 5xx, no answer), with backoff and its Retry-After.</summary>
    [Range(0, 10)]
    public int Retries { get; set; } = 2;

    [Range(0, 600)]
    public double MaxRetryAfterSeconds { get; set; } = 30;

    public bool IsConfigured => Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}

/// <summary>
/// Voices of an OpenAI-compatible speech endpoint ("speech:NAME"): one request per phrase for WAV at a
/// speed from the narration's rate, through the shared per-host limiter, bounded retries honouring
/// Retry-After. It gives no word timings: they are spread over the sounding audio, as for Piper.
/// </summary>
public sealed class SpeechEndpointEngine(IHttpClientFactory httpFactory, IOptions<SpeechEndpointOptions> options, TimeProvider time) : ISpeechEngine
{
    public const string Prefix = "speech:";
    public const string HttpClientName = "speech";
    private static readonly double[] SpeedSteps = [1, 0.96, 1.04, 0.93, 1.07];

    private IReadOnlyList<string>? _listed;
    private DateTimeOffset _listedAt;

    private SpeechEndpointOptions O => options.Value;

    public string Name => "speech endpoint";

    public bool Handles(string voice) => voice.StartsWith(Prefix, StringComparison.Ordinal);

    public Task<string> LanguageOfAsync(string voice, CancellationToken ct) => Task.FromResult(O.Language);

    public async Task<IReadOnlyList<VoiceInfo>> VoicesAsync(CancellationToken ct)
    {
        if (!O.IsConfigured)
        {
            return [];
        }
        var names = !string.IsNullOrWhiteSpace(O.Voices)
            ? O.Voices.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : await ListedAsync(ct);
        return names.Select(n => new VoiceInfo(Prefix + n, $"{n} ({O.Model}, speech endpoint)", Name, O.Language)).ToList();
    }

    /// <summary>The endpoint's own list, asked at most every five minutes; an endpoint without one offers none.</summary>
    private async Task<IReadOnlyList<string>> ListedAsync(CancellationToken ct)
    {
        if (_listed is not null && time.GetUtcNow() - _listedAt < TimeSpan.FromMinutes(5))
        {
            return _listed;
        }
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Url("audio/voices"));
            Authorize(request);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            var body = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token) : default;
            _listed = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("voices", out var voices) && voices.ValueKind == JsonValueKind.Array
                ? voices.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.TryGetProperty("id", out var id) ? id.GetString() : null)
                    .OfType<string>().Where(ValidName).Take(200).ToList()
                : [];
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            _listed = [];
        }
        _listedAt = time.GetUtcNow();
        return _listed;
    }

    public async Task<SpokenText> SpeakAsync(RewrittenText text, SpeechStyle style, CancellationToken ct)
    {
        if (!O.IsConfigured)
        {
            throw new ArgumentException($"Voice '{style.Voice}' needs a speech endpoint (Speech:Endpoint), and none is configured.");
        }
        var voice = style.Voice[Prefix.Length..];
        if (!ValidName(voice))
        {
            throw new ArgumentException($"'{voice}' is not a voice name a speech endpoint takes.");
        }
        var speed = Math.Clamp(style.Rate / 165.0 * SpeedSteps[style.Variant % SpeedSteps.Length] * (style.Emphasis ? 0.88 : 1), 0.25, 4.0);
        var audio = await RequestAsync(voice, text.Spoken, speed, ct);
        short[] samples;
        int rate;
        try
        {
            (samples, rate) = WaveFile.ReadMono(audio);
        }
        catch (InvalidDataException ex)
        {
            throw new Pipeline.PermanentStageException($"The speech endpoint's answer could not be used: {ex.Message} Check that it supports response_format \"wav\".", ex);
        }
        var words = EstimatedWordTimings.Spread(text, text.Spoken, 0, 0, samples.Length, samples, rate).ToList();
        return new SpokenText(samples, rate, words, Estimated: true);
    }

    private async Task<byte[]> RequestAsync(string voice, string input, double speed, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url("audio/speech"))
            {
                Content = JsonContent.Create(new { model = O.Model, input, voice, response_format = "wav", speed = Math.Round(speed, 3) }),
            };
            Authorize(request);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(O.TimeoutSeconds));
            string problem;
            TimeSpan? retryAfter = null;
            try
            {
                using var response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    var type = response.Content.Headers.ContentType?.MediaType ?? "";
                    if (!type.StartsWith("audio/", StringComparison.OrdinalIgnoreCase) && type != "application/octet-stream")
                    {
                        throw new Pipeline.PermanentStageException($"The speech endpoint answered with {(type.Length == 0 ? "no content type" : type)}, not audio; check Speech:Endpoint (it usually ends in /v1).");
                    }
                    return await response.Content.ReadAsByteArrayAsync(timeout.Token);
                }
                var code = (int)response.StatusCode;
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    throw new Pipeline.PermanentStageException($"The speech endpoint refused the credentials (HTTP {code}); check Speech:ApiKey.");
                }
                if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
                {
                    throw new Pipeline.PermanentStageException($"The speech endpoint refused the request (HTTP {code}): {await ReasonAsync(response, timeout.Token)}. Check the voice '{voice}' and Speech:Model '{O.Model}'.");
                }
                problem = $"HTTP {code}";
                retryAfter = RetryAfterHeader.Of(response, time);
            }
            catch (HostRateLimitedException ex)
            {
                problem = "held back by the shared rate limit";
                retryAfter = ex.RetryAfter;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                problem = $"no answer within {O.TimeoutSeconds:0.#} s";
            }
            catch (HttpRequestException ex)
            {
                problem = $"it could not be reached ({ex.HttpRequestError})";
            }
            if (attempt > O.Retries)
            {
                throw new Pipeline.TransientStageException($"The speech endpoint is busy or failing ({problem}) after {attempt} tries; the stage will try again later.");
            }
            var delay = Pipeline.Backoff.Delay(attempt, 1, O.MaxRetryAfterSeconds, Random.Shared);
            if (retryAfter is { } asked && asked > delay)
            {
                delay = asked > TimeSpan.FromSeconds(O.MaxRetryAfterSeconds) ? TimeSpan.FromSeconds(O.MaxRetryAfterSeconds) : asked;
            }
            await Task.Delay(delay, time, ct);
        }
    }

    private static async Task<string> ReasonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var message = root.TryGetProperty("error", out var e) ? e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) ? m.GetString() : e.ToString()
                : root.TryGetProperty("detail", out var d) ? d.ToString() : null;
            return Trends.TrendText.Clean(message ?? body, 200);
        }
        catch (JsonException)
        {
            return Trends.TrendText.Clean(body, 200);
        }
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (!string.IsNullOrEmpty(O.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", O.ApiKey);
        }
    }

    private Uri Url(string path) => new(new Uri(O.Endpoint!.TrimEnd('/') + "/"), path);

    private static bool ValidName(string name) =>
        name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '+');
}
