using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.OnnxRuntime;
using ViralForge.Gpu.Onnx;

namespace ViralForge.Gpu.Voices;

/// <summary>The parts of a Piper voice's .onnx.json the studio uses.</summary>
public sealed record PiperVoiceConfig
{
    [JsonPropertyName("audio")] public PiperAudio Audio { get; init; } = new();
    [JsonPropertyName("espeak")] public PiperEspeak Espeak { get; init; } = new();
    [JsonPropertyName("inference")] public PiperInference Inference { get; init; } = new();
    [JsonPropertyName("phoneme_id_map")] public Dictionary<string, long[]> PhonemeIdMap { get; init; } = [];
    [JsonPropertyName("num_speakers")] public int NumSpeakers { get; init; } = 1;
    [JsonPropertyName("dataset")] public string? Dataset { get; init; }

    public sealed record PiperAudio
    {
        [JsonPropertyName("sample_rate")] public int SampleRate { get; init; } = 22050;
    }

    public sealed record PiperEspeak
    {
        [JsonPropertyName("voice")] public string Voice { get; init; } = "en-us";
    }

    public sealed record PiperInference
    {
        [JsonPropertyName("noise_scale")] public float NoiseScale { get; init; } = 0.667f;
        [JsonPropertyName("length_scale")] public float LengthScale { get; init; } = 1f;
        [JsonPropertyName("noise_w")] public float NoiseW { get; init; } = 0.8f;
    }

    public static PiperVoiceConfig Load(string path)
    {
        var config = JsonSerializer.Deserialize<PiperVoiceConfig>(File.ReadAllText(path))
            ?? throw new InvalidDataException($"{Path.GetFileName(path)} is empty.");
        foreach (var required in new[] { Pad, Bos, Eos })
        {
            if (!config.PhonemeIdMap.ContainsKey(required))
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: phoneme_id_map has no '{required}'; this is not a Piper voice config.");
            }
        }
        if (config.Audio.SampleRate is < 8000 or > 96000)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)}: sample rate {config.Audio.SampleRate} Hz is not plausible.");
        }
        return config;
    }

    public const string Pad = "_";
    public const string Bos = "^";
    public const string Eos = "$";
}

/// <summary>
/// One Piper (VITS) voice in a warm ONNX Runtime session: IPA phonemes → ids through the voice's
/// phoneme_id_map (BOS, pad between phonemes, EOS, as Piper trains them) → audio.
/// </summary>
public sealed class PiperVoice : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _outputName;

    public PiperVoiceConfig Config { get; }

    public PiperVoice(string modelPath, PiperVoiceConfig config)
    {
        Config = config;
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _session = new InferenceSession(modelPath, options);
        foreach (var name in new[] { "input", "input_lengths", "scales" })
        {
            if (!_session.InputMetadata.ContainsKey(name))
            {
                _session.Dispose();
                throw new InvalidDataException($"{Path.GetFileName(modelPath)} has no '{name}' input; Piper voices take input, input_lengths and scales.");
            }
        }
        _outputName = _session.OutputNames[0];
    }

    /// <summary>Phoneme ids for one utterance; phonemes missing from the map are skipped and counted.</summary>
    public (long[] Ids, int Missing) IdsOf(string phonemes)
    {
        var map = Config.PhonemeIdMap;
        var ids = new List<long>(phonemes.Length * 2 + 3);
        ids.AddRange(map[PiperVoiceConfig.Bos]);
        ids.AddRange(map[PiperVoiceConfig.Pad]);
        var missing = 0;
        foreach (var rune in phonemes.EnumerateRunes())
        {
            if (map.TryGetValue(rune.ToString(), out var id))
            {
                ids.AddRange(id);
                ids.AddRange(map[PiperVoiceConfig.Pad]);
            }
            else
            {
                missing++;
            }
        }
        ids.AddRange(map[PiperVoiceConfig.Eos]);
        return ([.. ids], missing);
    }

    /// <summary>Runs the model; audio as floats in [-1, 1] at the voice's sample rate.</summary>
    public float[] Synthesize(long[] ids, float noiseScale, float lengthScale, float noiseW, CancellationToken ct)
    {
        using var runOptions = new RunOptions();
        using var cancel = ct.Register(() => runOptions.Terminate = true);
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var lengths = OrtValue.CreateTensorValueFromMemory(new long[] { ids.Length }, [1]);
        using var scales = OrtValue.CreateTensorValueFromMemory(new[] { noiseScale, lengthScale, noiseW }, [3]);
        var inputs = new Dictionary<string, OrtValue> { ["input"] = input, ["input_lengths"] = lengths, ["scales"] = scales };
        using var speaker = Config.NumSpeakers > 1 && _session.InputMetadata.ContainsKey("sid") ? OrtValue.CreateTensorValueFromMemory(new long[] { 0 }, [1]) : null;
        if (speaker is not null)
        {
            inputs["sid"] = speaker;
        }
        using var outputs = OnnxCall.Run(() => _session.Run(runOptions, inputs, [_outputName]), ct);
        return VoiceText.WithinFullScale(outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    public void Dispose() => _session.Dispose();
}
