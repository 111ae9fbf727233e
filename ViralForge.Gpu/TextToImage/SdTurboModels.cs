using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using ViralForge.Gpu.Svd;

namespace ViralForge.Gpu.TextToImage;

/// <summary>
/// SD-Turbo or SDXL-Turbo as the diffusers ONNX export lays them out: text_encoder/, unet/ and
/// vae_decoder/ (each model.onnx), tokenizer/ (vocab.json, merges.txt), optionally
/// scheduler/scheduler_config.json and vae_decoder/config.json; SDXL adds text_encoder_2/ and
/// tokenizer_2/. Loaded once, kept warm; a file of another signature is refused in words.
/// </summary>
public sealed class SdTurboModels : IDisposable
{
    public const string TextEncoderFile = "text_encoder/model.onnx";
    public const string TextEncoder2File = "text_encoder_2/model.onnx";
    public const string UnetFile = "unet/model.onnx";
    public const string VaeDecoderFile = "vae_decoder/model.onnx";
    public static readonly string[] Files = [TextEncoderFile, UnetFile, VaeDecoderFile, "tokenizer/vocab.json", "tokenizer/merges.txt"];
    public static readonly string[] XlFiles = [TextEncoder2File, "tokenizer_2/vocab.json", "tokenizer_2/merges.txt"];

    public SdTurboModels(string folder, Func<SessionOptions> sessionOptions)
    {
        Folder = folder;
        IsXl = IsXlFolder(folder);
        Tokenizer = ClipTokenizer.Load(Path.Combine(folder, "tokenizer"));
        Tokenizer2 = IsXl ? ClipTokenizer.Load(Path.Combine(folder, "tokenizer_2")) : null;
        Scheduler = TurboScheduler.Load(Path.Combine(folder, "scheduler", "scheduler_config.json"));
        VaeScaling = ReadScaling(Path.Combine(folder, "vae_decoder", "config.json")) ?? (IsXl ? 0.13025 : 0.18215);
        var loaded = new List<InferenceSession>();
        try
        {
            foreach (var file in ModelFiles)
            {
                using var options = sessionOptions();
                var session = new InferenceSession(Path.Combine(folder, file), options);
                loaded.Add(session);
                var (inputs, outputs) = Signature(file);
                var missing = inputs.Where(i => !session.InputMetadata.ContainsKey(i)).Concat(outputs.Where(o => !session.OutputMetadata.ContainsKey(o))).ToList();
                if (missing.Count > 0)
                {
                    throw new InvalidDataException($"{file} lacks {string.Join(", ", missing)}; it is not an {(IsXl ? "SDXL-Turbo" : "SD-Turbo")} {file.Split('/')[0].Replace('_', ' ')} export.");
                }
            }
            TextEncoder = loaded[0];
            Unet = loaded[1];
            VaeDecoder = loaded[2];
            TextEncoder2 = IsXl ? loaded[3] : null;
            if (IsXl)
            {
                HiddenOutput = Penultimate(TextEncoder);
                Hidden2Output = Penultimate(TextEncoder2!);
            }
            var width = IsXl
                ? Width(TextEncoder, HiddenOutput) + Width(TextEncoder2!, Hidden2Output!)
                : Width(TextEncoder, HiddenOutput);
            var expected = Unet.InputMetadata["encoder_hidden_states"].Dimensions;
            if (expected.Length != 3 || (width > 0 && expected[2] > 0 && width != expected[2]))
            {
                throw new InvalidDataException($"The text encoders give {width}-wide states, but the UNet's encoder_hidden_states is [{string.Join("×", expected)}].");
            }
        }
        catch
        {
            loaded.ForEach(s => s.Dispose());
            throw;
        }
    }

    public string Folder { get; }
    public bool IsXl { get; }
    public ClipTokenizer Tokenizer { get; }
    public ClipTokenizer? Tokenizer2 { get; }
    public TurboScheduler Scheduler { get; }
    public double VaeScaling { get; }
    public InferenceSession TextEncoder { get; } = null!;
    public InferenceSession? TextEncoder2 { get; }
    public InferenceSession Unet { get; } = null!;
    public InferenceSession VaeDecoder { get; } = null!;

    /// <summary>The text encoder output the UNet is conditioned on: SD 2's last state, SDXL's next-to-last layer.</summary>
    public string HiddenOutput { get; } = "last_hidden_state";

    public string? Hidden2Output { get; }

    private string[] ModelFiles => IsXl ? [TextEncoderFile, UnetFile, VaeDecoderFile, TextEncoder2File] : [TextEncoderFile, UnetFile, VaeDecoderFile];

    public static bool IsXlFolder(string folder) => Directory.Exists(Path.Combine(folder, "text_encoder_2"));

    /// <summary>Every file the export in <paramref name="folder"/> needs (SDXL's two more).</summary>
    public static IEnumerable<string> FilesIn(string folder) => IsXlFolder(folder) ? [.. Files, .. XlFiles] : Files;

    public static bool Present(string folder) => FilesIn(folder).All(f => File.Exists(Path.Combine(folder, f)));

    private (string[] Inputs, string[] Outputs) Signature(string file) => file switch
    {
        TextEncoderFile => (["input_ids"], IsXl ? [] : ["last_hidden_state"]),
        TextEncoder2File => (["input_ids"], ["text_embeds"]),
        UnetFile => (IsXl ? ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"] : ["sample", "timestep", "encoder_hidden_states"], ["out_sample"]),
        _ => (["latent_sample"], ["sample"]),
    };

    /// <summary>"hidden_states.N" outputs run from the embeddings (0) to the last layer; SDXL uses the one before the last.</summary>
    private static string Penultimate(InferenceSession encoder)
    {
        var layers = encoder.OutputMetadata.Keys
            .Select(k => k.StartsWith("hidden_states.", StringComparison.Ordinal) && int.TryParse(k["hidden_states.".Length..], out var n) ? n : -1)
            .Where(n => n >= 0).ToList();
        if (layers.Count < 2)
        {
            throw new InvalidDataException("An SDXL text encoder must output its layers' hidden states (hidden_states.0 …); export it with them.");
        }
        return $"hidden_states.{layers.Max() - 1}";
    }

    private static long Width(InferenceSession encoder, string output) =>
        encoder.OutputMetadata[output].Dimensions is { Length: 3 } d ? d[2] : throw new InvalidDataException($"{output} is not [batch, tokens, width].");

    private static double? ReadScaling(string configPath)
    {
        if (!File.Exists(configPath))
        {
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
        return doc.RootElement.TryGetProperty("scaling_factor", out var f) && f.TryGetDouble(out var v) && v > 0 ? v : null;
    }

    /// <summary>The UNet's latent size when the export fixes it; pixels are 8× that.</summary>
    public (int Height, int Width)? FixedLatentSize =>
        Unet.InputMetadata["sample"].Dimensions is { Length: 4 } d && d[2] > 0 && d[3] > 0 ? (d[2], d[3]) : null;

    public IReadOnlyList<LoadedModel> Describe() =>
    [
        .. ModelFiles.Zip(new[] { TextEncoder, Unet, VaeDecoder, TextEncoder2 }.OfType<InferenceSession>(), (file, s) => new LoadedModel(file,
            new FileInfo(Path.Combine(Folder, file)).Length,
            string.Join(", ", s.InputMetadata.Select(m => $"{m.Key} {m.Value.ElementDataType} [{string.Join("×", m.Value.Dimensions)}]")),
            string.Join(", ", s.OutputMetadata.Select(m => $"{m.Key} {m.Value.ElementDataType}")))),
    ];

    public void Dispose()
    {
        TextEncoder.Dispose();
        TextEncoder2?.Dispose();
        Unet.Dispose();
        VaeDecoder.Dispose();
    }
}

/// <summary>
/// The Euler-ancestral schedule SD-Turbo ships with: scaled-linear betas, "trailing" timesteps
/// (1 step samples at t = 999), noise prediction unless the config says v-prediction.
/// </summary>
public sealed class TurboScheduler
{
    private readonly double[] _alphasCumulative;

    private TurboScheduler(int trainSteps, double betaStart, double betaEnd, bool vPrediction)
    {
        TrainSteps = trainSteps;
        VPrediction = vPrediction;
        _alphasCumulative = new double[trainSteps];
        var product = 1.0;
        for (var t = 0; t < trainSteps; t++)
        {
            var root = Math.Sqrt(betaStart) + (Math.Sqrt(betaEnd) - Math.Sqrt(betaStart)) * t / (trainSteps - 1);
            product *= 1 - root * root;
            _alphasCumulative[t] = product;
        }
    }

    public int TrainSteps { get; }
    public bool VPrediction { get; }

    public static TurboScheduler Load(string configPath)
    {
        int steps = 1000;
        double start = 0.00085, end = 0.012;
        var v = false;
        if (File.Exists(configPath))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
            var root = doc.RootElement;
            if (root.TryGetProperty("num_train_timesteps", out var n) && n.TryGetInt32(out var ns)) steps = ns;
            if (root.TryGetProperty("beta_start", out var b0) && b0.TryGetDouble(out var bs)) start = bs;
            if (root.TryGetProperty("beta_end", out var b1) && b1.TryGetDouble(out var be)) end = be;
            v = root.TryGetProperty("prediction_type", out var p) && p.GetString() == "v_prediction";
        }
        return new TurboScheduler(steps, start, end, v);
    }

    /// <summary>"Trailing" spacing: 1 step → [999]; 4 → [999, 749, 499, 249].</summary>
    public int[] Timesteps(int steps) =>
        [.. Enumerable.Range(0, steps).Select(i => (int)Math.Round(TrainSteps - i * (double)TrainSteps / steps) - 1)];

    public double Sigma(int timestep) => Math.Sqrt((1 - _alphasCumulative[timestep]) / _alphasCumulative[timestep]);
}
