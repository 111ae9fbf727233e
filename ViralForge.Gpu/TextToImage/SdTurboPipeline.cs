using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.Svd;

namespace ViralForge.Gpu.TextToImage;

/// <summary>
/// A picture as three byte planes (red, green, blue; each row-major) and where its time went. The planes
/// are the pipeline's own buffer, valid until its next picture: fresh multi-megabyte arrays per picture
/// cost more in first-touch page faults than the conversion itself.
/// </summary>
public sealed record SdTurboImage(byte[] Planes, int Width, int Height, SvdTimings Timings);

/// <summary>
/// Text to image in 1–4 steps without guidance, as SD-Turbo and SDXL-Turbo are distilled to do: the
/// prompt through the CLIP tokenizer(s) and text encoder(s), seeded noise at the schedule's first sigma, Euler-ancestral steps
/// on the UNet's noise (or v) prediction, then the VAE decoder. Inputs follow each model's declared
/// element types (fp16 or fp32; an int32 or int64 prompt and timestep), so either export runs.
/// </summary>
public sealed class SdTurboPipeline(SdTurboModels models)
{
    /// <summary>SD 2's latent scaling (SDXL's is 0.13025; an export's vae_decoder/config.json says which).</summary>
    public const double VaeScaling = 0.18215;
    public const int MaxSteps = 4;

    private TimeSpan _inRun;
    private byte[] _planes = [];

    public SdTurboImage Generate(string prompt, long seed, int steps, int height, int width, CancellationToken ct)
    {
        if (steps is < 1 or > MaxSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), $"SD-Turbo takes 1–{MaxSteps} steps.");
        }
        if (height % 8 != 0 || width % 8 != 0)
        {
            throw new ArgumentException("The picture's size must be a multiple of 8.");
        }
        var total = Stopwatch.StartNew();
        _inRun = TimeSpan.Zero;
        using var options = new RunOptions();
        using var cancel = ct.Register(() => options.Terminate = true);
        var (hidden, pooled) = EncodePrompt(prompt, options, ct);

        int h = height / 8, w = width / 8;
        var scheduler = models.Scheduler;
        var timesteps = scheduler.Timesteps(steps);
        var noise = new GaussianNoise(seed);
        var latents = new float[4 * h * w];
        noise.Fill(latents, scheduler.Sigma(timesteps[0]));
        var draw = new float[latents.Length];
        var meta = models.Unet.InputMetadata;
        using var hiddenValue = OnnxTensors.Create(meta["encoder_hidden_states"], hidden.Data, hidden.Shape);
        // SDXL's micro-conditioning: the pooled prompt, and original size, crop corner and target size.
        using var pooledValue = pooled is null ? null : OnnxTensors.Create(meta["text_embeds"], pooled, [1, pooled.Length]);
        using var timeIdsValue = pooled is null ? null : OnnxTensors.Create(meta["time_ids"], [height, width, 0, 0, height, width], [1, 6]);
        string[] unetInputs = pooled is null
            ? ["sample", "timestep", "encoder_hidden_states"]
            : ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"];
        for (var i = 0; i < steps; i++)
        {
            ct.ThrowIfCancellationRequested();
            var sigma = scheduler.Sigma(timesteps[i]);
            var next = i + 1 < steps ? scheduler.Sigma(timesteps[i + 1]) : 0;
            var scale = (float)(1 / Math.Sqrt(sigma * sigma + 1));
            var input = new float[latents.Length];
            for (var k = 0; k < input.Length; k++)
            {
                input[k] = latents[k] * scale;
            }
            using var sampleValue = OnnxTensors.Create(meta["sample"], input, [1, 4, h, w]);
            using var timestepValue = Timestep(meta["timestep"], timesteps[i]);
            OrtValue[] unetValues = pooled is null ? [sampleValue, timestepValue, hiddenValue] : [sampleValue, timestepValue, hiddenValue, pooledValue!, timeIdsValue!];
            using var outputs = Run(models.Unet, options, unetInputs, unetValues, "out_sample", ct);
            var prediction = OnnxTensors.ToFloats(outputs[0]);

            // Euler ancestral: step to σ_down along the denoised direction, then add σ_up of fresh noise.
            var up = next == 0 ? 0 : Math.Sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma));
            var down = Math.Sqrt(next * next - up * up);
            noise.Fill(draw, up);
            for (var k = 0; k < latents.Length; k++)
            {
                double x = latents[k], p = prediction[k];
                var denoised = scheduler.VPrediction ? p * (-sigma / Math.Sqrt(sigma * sigma + 1)) + x / (sigma * sigma + 1) : x - sigma * p;
                latents[k] = (float)(x + (x - denoised) / sigma * (down - sigma) + draw[k]);
            }
        }

        for (var k = 0; k < latents.Length; k++)
        {
            latents[k] = (float)(latents[k] / models.VaeScaling);
        }
        using var latentValue = OnnxTensors.Create(models.VaeDecoder.InputMetadata["latent_sample"], latents, [1, 4, h, w]);
        using var decoded = Run(models.VaeDecoder, options, ["latent_sample"], [latentValue], "sample", ct);
        var shape = decoded[0].GetTensorTypeAndShape().Shape;
        if (shape is not [1, 3, var outH, var outW] || outH != height || outW != width)
        {
            throw new InvalidDataException($"The VAE decoder gave [{string.Join("×", shape)}], not [1×3×{height}×{width}].");
        }
        var planes = ToBytePlanes(decoded[0]);
        return new SdTurboImage(planes, width, height, new SvdTimings(total.Elapsed, _inRun));
    }

    /// <summary>
    /// [3, H, W] in [-1, 1] to byte planes, (x / 2 + 0.5) · 255 rounded, all in vector maths: the decoded
    /// picture is millions of values, and a scalar loop over it cost more than the UNet step it follows.
    /// </summary>
    private byte[] ToBytePlanes(OrtValue decoded)
    {
        // Scaled in place in the decoder's output, which is ours until it is disposed.
        Span<float> scaled = decoded.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float
            ? decoded.GetTensorMutableDataAsSpan<float>()
            : OnnxTensors.ToFloats(decoded);
        TensorPrimitives.Multiply(scaled, 127.5f, scaled);
        TensorPrimitives.Add(scaled, 128f, scaled);
        TensorPrimitives.Max(scaled, 0f, scaled);
        TensorPrimitives.Min(scaled, 255f, scaled);
        if (_planes.Length != scaled.Length)
        {
            _planes = new byte[scaled.Length];
        }
        var bytes = _planes;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var width = Vector256<float>.Count;
            for (; i <= scaled.Length - 4 * width; i += 4 * width)
            {
                var a = Vector256.ConvertToInt32(Vector256.Create<float>(scaled[i..]));
                var b = Vector256.ConvertToInt32(Vector256.Create<float>(scaled[(i + width)..]));
                var c = Vector256.ConvertToInt32(Vector256.Create<float>(scaled[(i + 2 * width)..]));
                var d = Vector256.ConvertToInt32(Vector256.Create<float>(scaled[(i + 3 * width)..]));
                var packed = Vector256.Narrow(Vector256.Narrow(a, b).AsUInt16(), Vector256.Narrow(c, d).AsUInt16());
                packed.CopyTo(bytes.AsSpan(i));
            }
        }
        for (; i < scaled.Length; i++)
        {
            bytes[i] = (byte)scaled[i];
        }
        return bytes;
    }

    /// <summary>
    /// The prompt's states for the UNet: SD 2's text encoder output; for SDXL both encoders' next-to-last
    /// layers side by side, and the second encoder's pooled projection.
    /// </summary>
    private ((float[] Data, long[] Shape) Hidden, float[]? Pooled) EncodePrompt(string prompt, RunOptions options, CancellationToken ct)
    {
        var (first, _) = Encode(models.TextEncoder, models.Tokenizer, models.HiddenOutput, null, prompt, options, ct);
        if (models.TextEncoder2 is not { } second)
        {
            return (first, null);
        }
        var (other, pooled) = Encode(second, models.Tokenizer2!, models.Hidden2Output!, "text_embeds", prompt, options, ct);
        int tokens = (int)first.Shape[1], a = (int)first.Shape[2], b = (int)other.Shape[2];
        var joined = new float[tokens * (a + b)];
        for (var t = 0; t < tokens; t++)
        {
            first.Data.AsSpan(t * a, a).CopyTo(joined.AsSpan(t * (a + b)));
            other.Data.AsSpan(t * b, b).CopyTo(joined.AsSpan(t * (a + b) + a));
        }
        return ((joined, [1, tokens, a + b]), pooled);
    }

    private ((float[] Data, long[] Shape) Hidden, float[]? Pooled) Encode(
        InferenceSession encoder, ClipTokenizer tokenizer, string hiddenOutput, string? pooledOutput, string prompt, RunOptions options, CancellationToken ct)
    {
        var ids = tokenizer.Encode(prompt);
        var input = encoder.InputMetadata["input_ids"];
        using var idsValue = input.ElementDataType == TensorElementType.Int64
            ? OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), [1, ids.Length])
            : OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        string[] outputNames = pooledOutput is null ? [hiddenOutput] : [hiddenOutput, pooledOutput];
        using var outputs = OnnxCall.Run(() => encoder.Run(options, ["input_ids"], [idsValue], outputNames), ct, t => _inRun += t);
        return ((OnnxTensors.ToFloats(outputs[0]), outputs[0].GetTensorTypeAndShape().Shape), pooledOutput is null ? null : OnnxTensors.ToFloats(outputs[1]));
    }

    /// <summary>The timestep as the UNet declares it: int64 or float, a scalar or one per batch item.</summary>
    private static OrtValue Timestep(NodeMetadata meta, int t)
    {
        long[] shape = meta.Dimensions.Length == 0 ? [] : [1];
        return meta.ElementDataType == TensorElementType.Int64
            ? OrtValue.CreateTensorValueFromMemory(new long[] { t }, shape)
            : OnnxTensors.Create(meta, [t], shape);
    }

    private IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, RunOptions options, string[] inputNames, OrtValue[] inputs, string output, CancellationToken ct) =>
        OnnxCall.Run(() => session.Run(options, inputNames, inputs, [output]), ct, t => _inRun += t);
}
