using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using ViralForge.Gpu.Onnx;

namespace ViralForge.Gpu.Voices;

/// <summary>
/// Kokoro-82M in a warm ONNX Runtime session. The folder holds the model (<c>model.onnx</c> or another
/// single <c>.onnx</c>, also under <c>onnx/</c>), its phoneme vocabulary (<c>config.json</c> "vocab" as
/// the original release ships it, or <c>tokenizer.json</c> "model.vocab" as the ONNX export does) and its
/// voices: <c>voices/NAME.bin</c> (float32 [510, 1, 256]) or one <c>voices*.bin</c> NumPy archive.
/// IPA phonemes → vocabulary ids, padded with 0 at both ends; the voice's style row is chosen by the
/// number of phoneme tokens, as the model was trained; audio at 24 kHz.
/// </summary>
public sealed class KokoroModel : IDisposable
{
    public const int SampleRate = 24000;
    public const int StyleSize = 256;

    /// <summary>The most phoneme tokens one call may take (the style table has one row per length).</summary>
    public const int MaxTokens = 510;

    private readonly InferenceSession _session;
    private readonly string _idsInput;
    private readonly string _outputName;
    private readonly Dictionary<string, float[]> _voices;

    public IReadOnlyDictionary<string, long> Vocabulary { get; }

    public IReadOnlyCollection<string> Voices => _voices.Keys;

    private KokoroModel(InferenceSession session, string idsInput, IReadOnlyDictionary<string, long> vocabulary, Dictionary<string, float[]> voices)
    {
        (_session, _idsInput, Vocabulary, _voices) = (session, idsInput, vocabulary, voices);
        _outputName = session.OutputNames.Contains("waveform") ? "waveform" : session.OutputNames[0];
    }

    /// <summary>The model file in a Kokoro folder, or null when there is none.</summary>
    public static string? FindModel(string folder)
    {
        foreach (var dir in new[] { folder, Path.Combine(folder, "onnx") })
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }
            var models = Directory.GetFiles(dir, "*.onnx").Order(StringComparer.Ordinal).ToList();
            var found = models.FirstOrDefault(m => Path.GetFileName(m) == "model.onnx") ?? models.FirstOrDefault();
            if (found is not null)
            {
                return found;
            }
        }
        return null;
    }

    public static KokoroModel Load(string folder)
    {
        var modelPath = FindModel(folder) ?? throw new InvalidDataException("The Kokoro folder has no .onnx model.");
        var vocabulary = LoadVocabulary(folder);
        var voices = LoadVoices(folder);
        if (voices.Count == 0)
        {
            throw new InvalidDataException("The Kokoro folder has no voices (voices/NAME.bin, or a voices .bin archive).");
        }
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        var session = new InferenceSession(modelPath, options);
        var idsInput = session.InputMetadata.ContainsKey("input_ids") ? "input_ids" : session.InputMetadata.ContainsKey("tokens") ? "tokens" : null;
        if (idsInput is null || !session.InputMetadata.ContainsKey("style") || !session.InputMetadata.ContainsKey("speed"))
        {
            session.Dispose();
            throw new InvalidDataException($"{Path.GetFileName(modelPath)} is not a Kokoro model: it takes {string.Join(", ", session.InputMetadata.Keys)}, not input_ids, style and speed.");
        }
        return new KokoroModel(session, idsInput, vocabulary, voices);
    }

    /// <summary>Phoneme token ids (without the padding); symbols outside the vocabulary are skipped and counted.</summary>
    public (long[] Ids, int Missing) IdsOf(string phonemes)
    {
        var ids = new List<long>(phonemes.Length);
        var missing = 0;
        foreach (var rune in phonemes.EnumerateRunes())
        {
            if (Vocabulary.TryGetValue(rune.ToString(), out var id))
            {
                ids.Add(id);
            }
            else
            {
                missing++;
            }
        }
        return ([.. ids], missing);
    }

    /// <summary>Runs the model for at most <see cref="MaxTokens"/> phoneme tokens; audio as floats in [-1, 1] at 24 kHz.</summary>
    public float[] Synthesize(string voice, long[] tokens, float speed, CancellationToken ct)
    {
        if (!_voices.TryGetValue(voice, out var table))
        {
            throw new ArgumentException($"Kokoro has no voice '{voice}'; it has {string.Join(", ", _voices.Keys.Order(StringComparer.Ordinal))}.");
        }
        if (tokens.Length > MaxTokens)
        {
            throw new ArgumentException($"{tokens.Length} phoneme tokens are more than Kokoro's {MaxTokens} in one piece.");
        }
        var rows = table.Length / StyleSize;
        var style = table.AsSpan(Math.Min(tokens.Length, rows - 1) * StyleSize, StyleSize).ToArray();
        var ids = new long[tokens.Length + 2];
        tokens.CopyTo(ids, 1);
        using var runOptions = new RunOptions();
        using var cancel = ct.Register(() => runOptions.Terminate = true);
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var styleValue = OrtValue.CreateTensorValueFromMemory(style, [1, StyleSize]);
        using var speedValue = OrtValue.CreateTensorValueFromMemory(new[] { speed }, [1]);
        var inputs = new Dictionary<string, OrtValue> { [_idsInput] = input, ["style"] = styleValue, ["speed"] = speedValue };
        using var outputs = OnnxCall.Run(() => _session.Run(runOptions, inputs, [_outputName]), ct);
        return VoiceText.WithinFullScale(outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    private static Dictionary<string, long> LoadVocabulary(string folder)
    {
        foreach (var (file, path) in new[] { ("config.json", new[] { "vocab" }), ("tokenizer.json", new[] { "model", "vocab" }) })
        {
            var full = Path.Combine(folder, file);
            if (!File.Exists(full))
            {
                continue;
            }
            using var doc = JsonDocument.Parse(File.ReadAllText(full));
            var node = doc.RootElement;
            foreach (var step in path)
            {
                node = node.ValueKind == JsonValueKind.Object && node.TryGetProperty(step, out var inner) ? inner : default;
            }
            if (node.ValueKind == JsonValueKind.Object)
            {
                var vocabulary = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var entry in node.EnumerateObject().Where(e => e.Value.ValueKind == JsonValueKind.Number))
                {
                    vocabulary[entry.Name] = entry.Value.GetInt64();
                }
                if (vocabulary.Count > 0)
                {
                    return vocabulary;
                }
            }
        }
        throw new InvalidDataException("The Kokoro folder has no phoneme vocabulary (config.json with \"vocab\", or tokenizer.json with \"model\".\"vocab\").");
    }

    private static Dictionary<string, float[]> LoadVoices(string folder)
    {
        var voices = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var perVoice = Path.Combine(folder, "voices");
        if (Directory.Exists(perVoice))
        {
            foreach (var file in Directory.GetFiles(perVoice, "*.bin"))
            {
                voices[Path.GetFileNameWithoutExtension(file)] = Floats(File.ReadAllBytes(file), Path.GetFileName(file));
            }
        }
        foreach (var archive in Directory.GetFiles(folder, "voices*.bin"))
        {
            using var zip = ZipFile.OpenRead(archive);
            foreach (var entry in zip.Entries.Where(e => e.Name.EndsWith(".npy", StringComparison.Ordinal)))
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                voices.TryAdd(Path.GetFileNameWithoutExtension(entry.Name), Npy(buffer.ToArray(), entry.Name));
            }
        }
        return voices;
    }

    /// <summary>A style table: little-endian float32, a whole number of 256-value rows.</summary>
    private static float[] Floats(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length == 0 || bytes.Length % (StyleSize * sizeof(float)) != 0)
        {
            throw new InvalidDataException($"Voice {name} is not a table of {StyleSize}-value float32 rows ({bytes.Length} bytes).");
        }
        var values = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        }
        return values;
    }

    /// <summary>One array of a NumPy .npz archive: only little-endian float32 in C order is accepted.</summary>
    private static float[] Npy(byte[] bytes, string name)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException($"Voice {name} is not a NumPy array.");
        }
        var (headerLength, start) = bytes[6] == 1 ? (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), 10) : ((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), 12);
        var header = Encoding.ASCII.GetString(bytes, start, headerLength);
        if (!header.Contains("'descr': '<f4'", StringComparison.Ordinal) || !header.Contains("'fortran_order': False", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Voice {name} is not a little-endian float32 array in C order ({header.Trim()}).");
        }
        return Floats(bytes.AsSpan(start + headerLength), name);
    }

    public void Dispose() => _session.Dispose();
}
