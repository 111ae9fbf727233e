using Microsoft.ML.OnnxRuntime;

namespace ViralForge.Gpu.Svd;

public sealed record LoadedModel(string File, long Bytes, string Inputs, string Outputs);

/// <summary>
/// The four ONNX models of Stable Video Diffusion img2vid, loaded once and kept warm: the CLIP image
/// encoder, the VAE encoder, the spatio-temporal UNet and the temporal VAE decoder.
/// </summary>
public sealed class SvdModels : IDisposable
{
    public const string ImageEncoderFile = "image_encoder.onnx";
    public const string VaeEncoderFile = "vae_encoder.onnx";
    public const string UnetFile = "unet.onnx";
    public const string VaeDecoderFile = "vae_decoder.onnx";
    public static readonly string[] Files = [ImageEncoderFile, VaeEncoderFile, UnetFile, VaeDecoderFile];

    private static readonly Dictionary<string, (string[] Inputs, string[] Outputs)> Signatures = new()
    {
        [ImageEncoderFile] = (["pixel_values"], ["image_embeds"]),
        [VaeEncoderFile] = (["sample"], ["latent_sample"]),
        [UnetFile] = (["sample", "timestep", "encoder_hidden_states", "added_time_ids"], ["out_sample"]),
        [VaeDecoderFile] = (["latent_sample"], ["sample"]),
    };

    public SvdModels(string folder, Func<SessionOptions> sessionOptions)
    {
        Folder = folder;
        var loaded = new List<InferenceSession>();
        try
        {
            foreach (var file in Files)
            {
                var path = Path.Combine(folder, file);
                using var options = sessionOptions();
                var session = new InferenceSession(path, options);
                loaded.Add(session);
                var (inputs, outputs) = Signatures[file];
                var missing = inputs.Where(i => !session.InputMetadata.ContainsKey(i)).Concat(outputs.Where(o => !session.OutputMetadata.ContainsKey(o))).ToList();
                if (missing.Count > 0)
                {
                    throw new InvalidDataException($"{file} lacks {string.Join(", ", missing)}; it is not an SVD {file[..^5].Replace('_', ' ')} export.");
                }
            }
        }
        catch
        {
            loaded.ForEach(s => s.Dispose());
            throw;
        }
        ImageEncoder = loaded[0];
        VaeEncoder = loaded[1];
        Unet = loaded[2];
        VaeDecoder = loaded[3];
    }

    public string Folder { get; }
    public InferenceSession ImageEncoder { get; }
    public InferenceSession VaeEncoder { get; }
    public InferenceSession Unet { get; }
    public InferenceSession VaeDecoder { get; }

    public static bool Present(string folder) => Files.All(f => File.Exists(Path.Combine(folder, f)));

    /// <summary>The UNet's latent size when the export fixes it; pixels are 8× that.</summary>
    public (int Height, int Width)? FixedLatentSize =>
        Unet.InputMetadata["sample"].Dimensions is { Length: 5 } d && d[3] > 0 && d[4] > 0 ? (d[3], d[4]) : null;

    public IReadOnlyList<LoadedModel> Describe() =>
    [
        .. Files.Zip(new[] { ImageEncoder, VaeEncoder, Unet, VaeDecoder }, (file, s) => new LoadedModel(file,
            new FileInfo(Path.Combine(Folder, file)).Length,
            string.Join(", ", s.InputMetadata.Select(m => $"{m.Key} {m.Value.ElementDataType} [{string.Join("×", m.Value.Dimensions)}]")),
            string.Join(", ", s.OutputMetadata.Select(m => $"{m.Key} {m.Value.ElementDataType}")))),
    ];

    public void Dispose()
    {
        ImageEncoder.Dispose();
        VaeEncoder.Dispose();
        Unet.Dispose();
        VaeDecoder.Dispose();
    }
}
