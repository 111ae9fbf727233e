using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Trends;

namespace ViralForge.Tests.Media;

/// <summary>
/// An OpenAI-compatible speech endpoint (as Kokoro-FastAPI answers: /v1/audio/speech with WAV, /v1/audio/voices)
/// on loopback: voices listed, phrases spoken with timings spread over the sound, a 429 waited out, and
/// a hang, a web page and refused credentials each a clear failure of the right kind.
/// </summary>
public sealed class SpeechEndpointTests : IAsyncLifetime
{
    private const int Rate = 24000;
    private readonly LoopbackTrendHost _host = new();
    private TrendHarness _studio = null!;

    public async Task InitializeAsync()
    {
        _host.Route("/v1/audio/voices", LoopbackTrendHost.Body("application/json", "{\"voices\":[\"af_bella\",\"am_adam\",\"bad voice!\"]}"));
        _studio = await TrendHarness.StartAsync("speech", _host, new()
        {
            ["Speech:Endpoint"] = _host.BaseUrl + "v1",
            ["Speech:ApiKey"] = "sk-speech-secret",
            ["Speech:TimeoutSeconds"] = "1",
            ["Speech:Retries"] = "1",
        });
    }

    public async Task DisposeAsync()
    {
        await _studio.DisposeAsync();
        await _host.DisposeAsync();
    }

    /// <summary>0.1 s of silence, a tone, 0.1 s of silence: a WAV as the endpoint sends it.</summary>
    public static byte[] Wave(double seconds)
    {
        var frames = (int)(seconds * Rate);
        var pcm = new byte[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / Rate;
            var value = t < 0.1 || t > seconds - 0.1 ? 0 : (short)(8000 * Math.Sin(2 * Math.PI * 220 * t));
            BitConverter.TryWriteBytes(pcm.AsSpan(i * 2), (short)value);
        }
        using var wav = new MemoryStream();
        using var w = new BinaryWriter(wav);
        w.Write(Encoding.ASCII.GetBytes("RIFF"));
        w.Write(36 + pcm.Length);
        w.Write(Encoding.ASCII.GetBytes("WAVEfmt "));
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(Rate);
        w.Write(Rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write(Encoding.ASCII.GetBytes("data"));
        w.Write(pcm.Length);
        w.Write(pcm);
        return wav.ToArray();
    }

    public static Func<HttpListenerContext, Task> Speak(double seconds = 1.2) => async context =>
    {
        if (context.Request.Headers["Authorization"] != "Bearer sk-speech-secret")
        {
            await LoopbackListener.WriteJsonAsync(context.Response, 401, "{\"detail\":\"Invalid API key\"}");
            return;
        }
        var bytes = Wave(seconds);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "audio/wav";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    };

    private SpeechEndpointEngine Engine => _studio.Provider.GetServices<ISpeechEngine>().OfType<SpeechEndpointEngine>().Single();

    private static RewrittenText Text(string s) => new(s, []);

    [Fact]
    public async Task Voices_are_listed_and_a_phrase_is_spoken_with_timings_over_the_sound()
    {
        _host.Route("/v1/audio/speech", Speak());
        var voices = await _studio.Provider.GetRequiredService<VoiceCatalog>().ListAsync(CancellationToken.None);
        Assert.Contains(voices, v => v.Id == "speech:af_bella" && v.Engine == "speech endpoint");
        Assert.Contains(voices, v => v.Id == "speech:am_adam");
        Assert.DoesNotContain(voices, v => v.Id.Contains(' ', StringComparison.Ordinal));

        var spoken = await Engine.SpeakAsync(Text("Octopuses have three hearts."), new SpeechStyle("speech:af_bella", 198, 50, false, 0), CancellationToken.None);
        Assert.Equal(Rate, spoken.SampleRate);
        Assert.Equal(1.2, spoken.Seconds, 2);
        Assert.True(spoken.Estimated);
        Assert.Equal(new[] { "Octopuses", "have", "three", "hearts." }, spoken.Words.Select(w => w.Word));
        Assert.Equal(0.1, spoken.Words[0].Start, 2);
        Assert.Equal(1.1, spoken.Words[^1].End, 2);
        var request = JsonDocument.Parse(Assert.Single(_host.To("/v1/audio/speech")).Body).RootElement;
        Assert.Equal("kokoro", request.GetProperty("model").GetString());
        Assert.Equal("af_bella", request.GetProperty("voice").GetString());
        Assert.Equal("wav", request.GetProperty("response_format").GetString());
        Assert.Equal("Octopuses have three hearts.", request.GetProperty("input").GetString());
        Assert.Equal(1.2, request.GetProperty("speed").GetDouble(), 2);
    }

    [Fact]
    public async Task A_429_is_waited_out_and_a_hang_a_web_page_and_bad_credentials_fail_plainly()
    {
        var calls = 0;
        _host.Route("/v1/audio/speech", context => Interlocked.Increment(ref calls) == 1
            ? LoopbackTrendHost.Body("application/json", "{\"error\":{\"message\":\"busy\"}}", status: 429, headers: ("Retry-After", "1"))(context)
            : Speak()(context));
        var style = new SpeechStyle("speech:af_bella", 165, 50, false, 0);
        var spoken = await Engine.SpeakAsync(Text("Hello there."), style, CancellationToken.None);
        Assert.Equal(2, calls);
        Assert.True(spoken.Seconds > 1);
        var requests = _host.To("/v1/audio/speech");
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(0.9), "Retry-After was not honoured");

        _host.Route("/v1/audio/speech", _host.Hang());
        var hang = await Assert.ThrowsAsync<TransientStageException>(() => Engine.SpeakAsync(Text("Hello."), style, CancellationToken.None));
        Assert.Contains("no answer within 1 s) after 2 tries", hang.Message);

        _host.Route("/v1/audio/speech", LoopbackTrendHost.Body("text/html", "<html><body>Welcome</body></html>"));
        var page = await Assert.ThrowsAsync<PermanentStageException>(() => Engine.SpeakAsync(Text("Hello."), style, CancellationToken.None));
        Assert.Contains("answered with text/html, not audio", page.Message);

        _host.Route("/v1/audio/speech", LoopbackTrendHost.Body("application/json", "{\"detail\":\"Invalid API key\"}", status: 401));
        var refused = await Assert.ThrowsAsync<PermanentStageException>(() => Engine.SpeakAsync(Text("Hello."), style, CancellationToken.None));
        Assert.Contains("refused the credentials (HTTP 401)", refused.Message);
        Assert.DoesNotContain("sk-speech-secret", refused.Message);

        _host.Route("/v1/audio/speech", LoopbackTrendHost.Body("audio/wav", "RIFF-not-really"));
        var broken = await Assert.ThrowsAsync<PermanentStageException>(() => Engine.SpeakAsync(Text("Hello."), style, CancellationToken.None));
        Assert.Contains("not a WAV file", broken.Message);
    }

    /// <summary>Real speech of the requested text (espeak-ng's), as a hosted voice would answer, without word times.</summary>
    private Func<HttpListenerContext, Task> SpeakTheInput() => async context =>
    {
        var input = JsonDocument.Parse(_host.BodyOf(context)).RootElement.GetProperty("input").GetString()!;
        var spoken = await EspeakLibrary.SpeakAsync(input, "en-us", 165, 50, CancellationToken.None);
        var file = Path.Combine(TestEnvironment.NewFolder("endpoint-speech"), "speech.wav");
        await EspeakLibrary.WriteWavAsync(file, spoken, CancellationToken.None);
        var bytes = await File.ReadAllBytesAsync(file);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "audio/wav";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    };

    [Fact]
    public async Task A_video_is_narrated_by_the_endpoint_voice_end_to_end_with_aligned_captions()
    {
        _host.Route("/v1/audio/speech", SpeakTheInput());
        var cs = await TestEnvironment.CreateDatabaseAsync("speechvideo");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("speechvideo"), new()
        {
            ["Speech__Endpoint"] = _host.BaseUrl + "v1",
            ["Speech__ApiKey"] = "sk-speech-secret",
        });
        await studio.StartAsync();
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        Assert.Contains("speech:af_bella", await creator.GetStringAsync("api/voices"));
        var videoId = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(title: "Endpoint voice"),
            new System.Text.Json.Nodes.JsonObject { ["Narration"] = new System.Text.Json.Nodes.JsonObject { ["voice"] = "speech:am_adam", ["candidates"] = 1 } });
        await Eventually.WaitAsync(async () => await new PipelineDb(cs).VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(180), () => studio.Log);
        Assert.True(_host.To("/v1/audio/speech").Count(r => r.Body.Contains("\"am_adam\"", StringComparison.Ordinal)) >= 4);
        Assert.DoesNotContain("sk-speech-secret", studio.Log);

        // The endpoint gives no word times: the captions' times were measured by aligning the text with
        // its sound, and agree with where espeak-ng (which spoke it) says each word starts.
        var detail = JsonDocument.Parse(await creator.GetStringAsync($"api/videos/{videoId}")).RootElement;
        var narration = detail.GetProperty("runs").EnumerateArray()
            .Single(r => r.GetProperty("stage").GetString() == "Narration" && r.GetProperty("scene").ValueKind == JsonValueKind.Number && r.GetProperty("scene").GetInt32() == 0)
            .GetProperty("artifacts").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == "narration");
        var info = narration.GetProperty("mediaInfo");
        Assert.Equal("aligned", info.GetProperty("timings").GetString());
        var words = info.GetProperty("words").EnumerateArray().Select(w => (Word: w.GetProperty("word").GetString()!, Start: w.GetProperty("start").GetDouble())).ToList();
        var truth = await NarrationSynthesizer.SpeakAsync(new EspeakSpeechEngine(), NarrationMarkup.Parse(TestScripts.Brief().Scenes[0].Narration), [], "en-us",
            new SpeechStyle("en-us", 165, 50, false, 0), CancellationToken.None);
        Assert.Equal(truth.Words.Select(w => w.Word), words.Select(w => w.Word));
        var errors = words.Zip(truth.Words, (a, t) => Math.Abs(a.Start - t.Start)).Order().ToList();
        Assert.True(errors[errors.Count / 2] <= 0.08, $"Median start error {errors[errors.Count / 2]:0.000} s");
    }
}
