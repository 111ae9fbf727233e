using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;

namespace ViralForge.Gpu.Voices;

/// <summary>
/// Piper voices dropped into the voices folder ("name.onnx" beside "name.onnx.json"), ids "piper:name".
/// Each voice is loaded once and kept warm. Phonemes come from espeak-ng in the voice's language; each
/// sentence is one utterance, joined by a short silence as Piper does. Piper reports no word timings,
/// so a sentence's words share its sounding span in proportion to their letters.
/// </summary>
public sealed partial class PiperSpeechEngine(IOptions<MediaOptions> options, ILogger<PiperSpeechEngine> log) : ISpeechEngine, IDisposable
{
    public const string Prefix = "piper:";
    private static readonly float[] NoiseSteps = [1f, 0.75f, 1.2f, 0.6f, 1.35f];

    private readonly ConcurrentDictionary<string, Lazy<PiperVoice>> _loaded = new(StringComparer.Ordinal);

    public string Name => "piper";

    public string Folder => Path.GetFullPath(options.Value.VoicesPath);

    public bool Handles(string voice) => voice.StartsWith(Prefix, StringComparison.Ordinal);

    public Task<IReadOnlyList<VoiceInfo>> VoicesAsync(CancellationToken ct)
    {
        var voices = new List<VoiceInfo>();
        if (Directory.Exists(Folder))
        {
            foreach (var model in Directory.EnumerateFiles(Folder, "*.onnx").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(model);
                if (!File.Exists(model + ".json") || !ValidName().IsMatch(name))
                {
                    continue;
                }
                try
                {
                    var config = PiperVoiceConfig.Load(model + ".json");
                    voices.Add(new VoiceInfo(Prefix + name, $"{name} (Piper, {config.Espeak.Voice})", Name, config.Espeak.Voice));
                }
                catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or IOException)
                {
                    log.LogWarning("Piper voice {Voice} is skipped: {Reason}", name, ex.Message);
                }
            }
        }
        return Task.FromResult<IReadOnlyList<VoiceInfo>>(voices);
    }

    public string? ModelStamp(string voice)
    {
        var model = ModelPath(voice);
        return FileStamp.Of(model, model + ".json");
    }

    public Task<string> LanguageOfAsync(string voice, CancellationToken ct) => Task.FromResult(Voice(voice).Config.Espeak.Voice);

    public async Task<SpokenText> SpeakAsync(RewrittenText text, SpeechStyle style, CancellationToken ct)
    {
        var voice = Voice(style.Voice);
        var inference = voice.Config.Inference;
        var step = NoiseSteps[style.Variant % NoiseSteps.Length];
        var lengthScale = inference.LengthScale * 165f / Math.Clamp(style.Rate, 80, 450) * (style.Emphasis ? 1.15f : 1f);
        var sampleRate = voice.Config.Audio.SampleRate;

        return await VoiceText.SpeakAsync(text, voice.Config.Espeak.Voice, sampleRate, async (phonemes, token) =>
        {
            var (ids, missing) = voice.IdsOf(phonemes);
            if (missing > 0)
            {
                log.LogDebug("{Missing} phonemes are not in the voice's map and were skipped.", missing);
            }
            return await Task.Run(() => voice.Synthesize(ids, inference.NoiseScale * step, lengthScale, inference.NoiseW * step, token), token);
        }, ct);
    }

    private PiperVoice Voice(string id)
    {
        var name = id[Prefix.Length..];
        var model = ModelPath(id);
        if (!File.Exists(model) || !File.Exists(model + ".json"))
        {
            throw new ArgumentException($"There is no Piper voice '{name}' in the voices folder (it needs {name}.onnx and {name}.onnx.json).");
        }
        // Keyed by the files' stamp too: a replaced voice loads again. The old one is forgotten, not disposed:
        // a narration may still be speaking with it, and the runtime's finalizer frees it after that.
        var key = model + "|" + FileStamp.Of(model, model + ".json");
        foreach (var stale in _loaded.Keys.Where(k => k != key && k.StartsWith(model + "|", StringComparison.Ordinal)))
        {
            _loaded.TryRemove(stale, out _);
        }
        var lazy = _loaded.GetOrAdd(key, _ => new Lazy<PiperVoice>(() =>
        {
            try
            {
                var voice = new PiperVoice(model, PiperVoiceConfig.Load(model + ".json"));
                log.LogInformation("Piper voice {Voice} loaded ({Rate} Hz).", name, voice.Config.Audio.SampleRate);
                return voice;
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                throw new ArgumentException($"Piper voice '{name}' cannot be loaded: {ex.Message}", ex);
            }
        }));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _loaded.TryRemove(key, out _); // let a fixed file load next time
            throw;
        }
    }

    private string ModelPath(string id)
    {
        var name = id.StartsWith(Prefix, StringComparison.Ordinal) ? id[Prefix.Length..] : id;
        return ValidName().IsMatch(name)
            ? Path.Combine(Folder, name + ".onnx")
            : throw new ArgumentException($"There is no Piper voice '{name}' in the voices folder (it needs {name}.onnx and {name}.onnx.json).");
    }

    public void Dispose()
    {
        foreach (var voice in _loaded.Values.Where(v => v.IsValueCreated))
        {
            voice.Value.Dispose();
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")]
    private static partial Regex ValidName();
}
