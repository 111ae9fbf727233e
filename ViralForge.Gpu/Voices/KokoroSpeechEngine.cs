using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;

namespace ViralForge.Gpu.Voices;

/// <summary>
/// Kokoro-82M voices from the <c>kokoro</c> folder inside the voices folder, ids "kokoro:NAME" (for
/// example kokoro:af_heart). The model is loaded once and kept warm (reloaded when its files change).
/// Phonemes come from espeak-ng in the voice's language (Kokoro's voice names start with it: a = American
/// English, b = British, e = Spanish, f = French, h = Hindi, i = Italian, j = Japanese, p = Brazilian
/// Portuguese, z = Mandarin); each sentence is one call, at the narration's speed. Kokoro gives no word
/// timings, so a sentence's words share its sounding span in proportion to their letters.
/// </summary>
public sealed partial class KokoroSpeechEngine(IOptions<MediaOptions> options, ILogger<KokoroSpeechEngine> log) : ISpeechEngine, IDisposable
{
    public const string Prefix = "kokoro:";

    // Candidates of one scene differ by pace: Kokoro itself is deterministic.
    private static readonly float[] SpeedSteps = [1f, 0.96f, 1.04f, 0.92f, 1.08f];

    private static readonly Dictionary<char, string> Languages = new()
    {
        ['a'] = "en-us", ['b'] = "en-gb", ['e'] = "es", ['f'] = "fr-fr", ['h'] = "hi", ['i'] = "it", ['j'] = "ja", ['p'] = "pt-br", ['z'] = "cmn",
    };

    private readonly Lock _gate = new();
    private (string Stamp, KokoroModel Model)? _loaded;

    public string Name => "kokoro";

    public string Folder => Path.GetFullPath(Path.Combine(options.Value.VoicesPath, "kokoro"));

    public bool Handles(string voice) => voice.StartsWith(Prefix, StringComparison.Ordinal);

    public Task<IReadOnlyList<VoiceInfo>> VoicesAsync(CancellationToken ct)
    {
        if (KokoroModel.FindModel(Folder) is null)
        {
            return Task.FromResult<IReadOnlyList<VoiceInfo>>([]);
        }
        try
        {
            IReadOnlyList<VoiceInfo> voices = [.. Model().Voices.Order(StringComparer.Ordinal)
                .Where(v => ValidName().IsMatch(v))
                .Select(v => new VoiceInfo(Prefix + v, $"{v} (Kokoro, {LanguageOf(v)})", Name, LanguageOf(v)))];
            return Task.FromResult(voices);
        }
        catch (ArgumentException ex)
        {
            log.LogWarning("Kokoro voices are skipped: {Reason}", ex.Message);
            return Task.FromResult<IReadOnlyList<VoiceInfo>>([]);
        }
    }

    public string? ModelStamp(string voice) => Stamp();

    public Task<string> LanguageOfAsync(string voice, CancellationToken ct) => Task.FromResult(LanguageOf(voice[Prefix.Length..]));

    public async Task<SpokenText> SpeakAsync(RewrittenText text, SpeechStyle style, CancellationToken ct)
    {
        var name = style.Voice[Prefix.Length..];
        var model = Model();
        if (!model.Voices.Contains(name))
        {
            throw new ArgumentException($"There is no Kokoro voice '{name}'; the kokoro folder has {string.Join(", ", model.Voices.Order(StringComparer.Ordinal))}.");
        }
        var language = LanguageOf(name);
        var speed = Math.Clamp(style.Rate, 80, 450) / 165f * SpeedSteps[style.Variant % SpeedSteps.Length] / (style.Emphasis ? 1.15f : 1f);
        return await VoiceText.SpeakAsync(text, language, KokoroModel.SampleRate, async (phonemes, token) =>
        {
            var (ids, missing) = model.IdsOf(phonemes);
            if (missing > 0)
            {
                log.LogDebug("{Missing} phonemes are not in Kokoro's vocabulary and were skipped.", missing);
            }
            if (ids.Length > KokoroModel.MaxTokens)
            {
                throw new PermanentStageException($"A sentence of scene text is too long for Kokoro ({ids.Length} phonemes, at most {KokoroModel.MaxTokens}); split it with a full stop.");
            }
            return await Task.Run(() => model.Synthesize(name, ids, speed, token), token);
        }, ct);
    }

    private static string LanguageOf(string voice) => voice.Length > 0 && Languages.TryGetValue(voice[0], out var language) ? language : "en-us";

    /// <summary>The warm model, loaded again when any of its files changed. A replaced model is forgotten, not disposed: a narration may still use it.</summary>
    private KokoroModel Model()
    {
        var stamp = Stamp() ?? throw new ArgumentException($"Kokoro is not installed: put its model, config.json or tokenizer.json, and voices into {Folder}.");
        lock (_gate)
        {
            if (_loaded is { } current && current.Stamp == stamp)
            {
                return current.Model;
            }
            try
            {
                var model = KokoroModel.Load(Folder);
                _loaded = (stamp, model);
                log.LogInformation("Kokoro loaded with {Voices} voices.", model.Voices.Count);
                return model;
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                throw new ArgumentException($"Kokoro cannot be loaded: {ex.Message}", ex);
            }
        }
    }

    private string? Stamp()
    {
        if (KokoroModel.FindModel(Folder) is not { } model)
        {
            return null;
        }
        var voices = Path.Combine(Folder, "voices");
        var files = new[] { model, Path.Combine(Folder, "config.json"), Path.Combine(Folder, "tokenizer.json") }
            .Concat(Directory.Exists(voices) ? Directory.GetFiles(voices, "*.bin") : [])
            .Concat(Directory.GetFiles(Folder, "voices*.bin"))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .ToArray();
        return FileStamp.Of(files);
    }

    public void Dispose() => _loaded?.Model.Dispose();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")]
    private static partial Regex ValidName();
}
