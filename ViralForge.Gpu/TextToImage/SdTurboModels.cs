using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using ViralForge.Gpu.Svd;

namespace ViralForge.Gpu.TextToImage;

/// <summary>
/// SD-Turbo as the diffusers ONNX export lays it out: text_encoder/, unet/ and vae_decoder/ (each
/// model.onnx), tokenizer/ (vocab.json, merges.txt) and, optionally, scheduler/scheduler_config.json.
/// Loaded once, kept warm; a file of another signature is refused in words.
/// </summary>
public sealed class SdTurboModels : IDisposable
{
    public const string TextEncoderFile = "text_encoder/model.onnx";
    public const string UnetFile = "unet/model.onnx";
    public const string VaeDecoderFile = "vae_decoder/model.onnx";
    public static readonly string[] Files = [TextEncoderFile, UnetFile, VaeDecoderFile, "tokenizer/vocab.json", "tokenizer/merges.txt"];

    private static readonly Dictionary<string, (string[] Inputs, string[] Outputs)> Signatures = new()
    {
        [TextEncoderFile] = (["input_ids"], ["last_hidden_state"]),
        [UnetFile] = (["sample", "timestep", "encoder_hidden_states"], ["out_sample"]),
        [VaeDecoderFile] = (["latent_sample"], ["sample"]),
    };

    public SdTurboModels(string folder, Func<SessionOptions> sessionOptions)
    {
        Folder = folder;
        if (Directory.Exists(Path.Combine(folder, "text_encoder_2")))
        {
            throw new InvalidDataException("This is an SDXL export (it has text_encoder_2); only SD-Turbo (SD 2.1) exports are supported so far.");
        }
        Tokenizer = ClipTokenizer.Load(Path.Combine(folder, "tokenizer"));
        Scheduler = TurboScheduler.Load(Path.Combine(folder, "scheduler", "scheduler_config.json"));
        var loaded = new List<InferenceSession>();
        try
        {
            foreach (var file in new[] { TextEncoderFile, UnetFile, VaeDecoderFile })
            {
                using var options = sessionOptions();
                var session = new InferenceSession(Path.Combine(folder, file), options);
                loaded.Add(session);
                var (inputs, outputs) = Signatures[file];
                var missing = inputs.Where(i => !session.InputMetadata.ContainsKey(i)).Concat(outputs.Where(o => !session.OutputMetadata.ContainsKey(o))).ToList();
                if (missing.Count > 0)
                {
                    throw new InvalidDataException($"{file} lacks {string.Join(", ", missing)}; it is not an SD-Turbo {file.Split('/')[0].Replace('_', ' ')} export.");
                }
            }
            var hidden = loaded[0].OutputMetadata["last_hidden_state"].Dimensions;
            var expected = loaded[1].InputMetadata["encoder_hidden_states"].Dimensions;
            if (hidden.Length != 3 || expected.Length != 3 || (hidden[2] > 0 && expected[2] > 0 && hidden[2] != expected[2]))
            {
                throw new InvalidDataException($"The text encoder's output [{string.Join("×", hidden)}] does not fit the UNet's encoder_hidden_states [{string.Join("×", expected)}].");
            }
        }
        catch
        {
            loaded.ForEach(s => s.Dispose());
            throw;
        }
        TextEncoder = loaded[0];
        Unet = loaded[1];
        VaeDecoder = loaded[2];
    }

    public string Folder { get; }
    public ClipTokenizer Tokenizer { get; }
    public TurboScheduler Scheduler { get; }
    public InferenceSession TextEncoder { get; }
    public InferenceSession Unet { get; }
    public InferenceSession VaeDecoder { get; }

    public static bool Present(string folder) => Files.All(f => File.Exists(Path.Combine(folder, f)));

    /// <summary>The UNet's latent size when the export fixes it; pixels are 8× that.</summary>
    public (int Height, int Width)? FixedLatentSize =>
        Unet.InputMetadata["sample"].Dimensions is { Length: 4 } d && d[2] > 0 && d[3] > 0 ? (d[2], d[3]) : null;

    public IReadOnlyList<LoadedModel> Describe() =>
    [
        .. new[] { TextEncoderFile, UnetFile, VaeDecoderFile }.Zip(new[] { TextEncoder, Unet, VaeDecoder }, (file, s) => new LoadedModel(file,
            new FileInfo(Path.Combine(Folder, file)).Length,
            string.Join(", ", s.InputMetadata.Select(m => $"{m.Key} {m.Value.ElementDataType} [{string.Join("×", m.Value.Dimensions)}]")),
            string.Join(", ", s.OutputMetadata.Select(m => $"{m.Key} {m.Value.ElementDataType}")))),
    ];

    public void Dispose()
    {
        TextEncoder.Dispose();
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
