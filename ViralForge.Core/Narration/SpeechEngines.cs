namespace ViralForge.Core.Narration;

/// <summary>A voice the studio can speak with. <see cref="Id"/> is what a video's "voice" parameter names.</summary>
public sealed record VoiceInfo(string Id, string Name, string Engine, string Language);

/// <summary>
/// How to say one phrase. <paramref name="Variant"/> 0 is the voice as configured; higher variants are
/// the small deliberate differences between narration candidates.
/// </summary>
public sealed record SpeechStyle(string Voice, int Rate, int Pitch, bool Emphasis, int Variant);

/// <summary>A text-to-speech engine: it owns some voice ids and speaks phrases with word timings.</summary>
public interface ISpeechEngine
{
    string Name { get; }

    bool Handles(string voice);

    /// <summary>The language the voice speaks, for dictionary entries restricted to a language.</summary>
    Task<string> LanguageOfAsync(string voice, CancellationToken ct);

    Task<IReadOnlyList<VoiceInfo>> VoicesAsync(CancellationToken ct);

    /// <summary>Throws <see cref="ArgumentException"/> for a voice the engine does not have.</summary>
    Task<SpokenText> SpeakAsync(RewrittenText text, SpeechStyle style, CancellationToken ct);

    /// <summary>The voice's model files as a <see cref="Pipeline.FileStamp"/> (part of a narration's input hash); null for built-in voices.</summary>
    string? ModelStamp(string voice) => null;
}

/// <summary>espeak-ng: always installed; any voice id without an engine prefix.</summary>
public sealed class EspeakSpeechEngine : ISpeechEngine
{
    private static readonly double[] RateSteps = [1, 0.94, 1.06, 0.9, 1.1];
    private static readonly int[] PitchSteps = [0, -4, 4, -8, 8];

    public string Name => "espeak-ng";

    public bool Handles(string voice) => !voice.Contains(':', StringComparison.Ordinal);

    public Task<string> LanguageOfAsync(string voice, CancellationToken ct) => Task.FromResult(voice);

    public async Task<IReadOnlyList<VoiceInfo>> VoicesAsync(CancellationToken ct) =>
        (await EspeakLibrary.VoicesAsync(ct)).Select(v => new VoiceInfo(v.Language, $"{v.Name} ({v.Language})", Name, v.Language)).ToList();

    public Task<SpokenText> SpeakAsync(RewrittenText text, SpeechStyle style, CancellationToken ct)
    {
        if (style.Voice.Length > 64 || style.Voice.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '+' or '/')))
        {
            throw new ArgumentException($"'{style.Voice}' is not a valid espeak-ng voice name.");
        }
        var step = style.Variant % RateSteps.Length;
        var rate = style.Rate * RateSteps[step] * (style.Emphasis ? 0.85 : 1);
        var pitch = style.Pitch + PitchSteps[step] + (style.Emphasis ? 8 : 0);
        return EspeakLibrary.SpeakAsync(text, style.Voice, (int)Math.Clamp(rate, 80, 450), Math.Clamp(pitch, 0, 99), ct);
    }
}

/// <summary>Every voice of every engine, and the engine that speaks a given voice.</summary>
public sealed class VoiceCatalog(IEnumerable<ISpeechEngine> engines)
{
    public async Task<IReadOnlyList<VoiceInfo>> ListAsync(CancellationToken ct)
    {
        var voices = new List<VoiceInfo>();
        foreach (var engine in engines)
        {
            voices.AddRange(await engine.VoicesAsync(ct));
        }
        return voices;
    }

    public ISpeechEngine EngineFor(string voice) =>
        engines.FirstOrDefault(e => e.Handles(voice))
        ?? throw new ArgumentException($"No speech engine has the voice '{voice}'.");
}
