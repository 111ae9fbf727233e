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
/// Text to image in 1–4 steps without guidance, as SD-Turbo is distilled to do: the prompt through the
/// CLIP tokenizer and text encoder, seeded noise at the schedule's first sigma, Euler-ancestral steps
/// on the UNet's noise (or v) prediction, then the VAE decoder. Inputs follow each model's declared
/// element types (fp16 or fp32; an int32 or int64 prompt and timestep), so either export runs.
/// </summary>
public sealed class SdTurboPipeline(SdTurboModels models)
{
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
        var hidden = EncodePrompt(prompt, options, ct);

        int h = height / 8, w = width / 8;
        var scheduler = models.Scheduler;
        var timesteps = scheduler.Timesteps(steps);
        var noise = new GaussianNoise(seed);
        var latents = new float[4 * h * w];
        noise.Fill(latents, scheduler.Sigma(timesteps[0]));
        var draw = new float[latents.Length];
        var meta = models.Unet.InputMetadata;
        using var hiddenValue = OnnxTensors.Create(meta["encoder_hidden_states"], hidden.Data, hidden.Shape);
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
            using var outputs = Run(models.Unet, options, ["sample", "timestep", "encoder_hidden_states"], [sampleValue, timestepValue, hiddenValue], "out_sample", ct);
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
            latents[k] = (float)(latents[k] / VaeScaling);
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

    private (float[] Data, long[] Shape) EncodePrompt(string prompt, RunOptions options, CancellationToken ct)
    {
        var ids = models.Tokenizer.Encode(prompt);
        var input = models.TextEncoder.InputMetadata["input_ids"];
        using var idsValue = input.ElementDataType == TensorElementType.Int64
            ? OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), [1, ids.Length])
            : OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var outputs = Run(models.TextEncoder, options, ["input_ids"], [idsValue], "last_hidden_state", ct);
        return (OnnxTensors.ToFloats(outputs[0]), outputs[0].GetTensorTypeAndShape().Shape);
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
