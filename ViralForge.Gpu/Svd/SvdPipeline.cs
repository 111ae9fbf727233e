using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ViralForge.Gpu.Onnx;

namespace ViralForge.Gpu.Svd;

public sealed record SvdParameters(
    long Seed,
    int Frames = 14,
    int Steps = 25,
    int Fps = 7,
    int MotionBucket = 127,
    double NoiseAugmentation = 0.02,
    double MinGuidance = 1.0,
    double MaxGuidance = 3.0,
    int DecodeChunk = 4);

/// <summary>Where the time went: inside ONNX Runtime's Run, and everything else (the sampler, tensors, copies).</summary>
public sealed record SvdTimings(TimeSpan Total, TimeSpan InRun);

/// <summary>Frames as floats in [-1, 1], laid out [frame, channel (RGB), y, x]; the pipeline reuses the array for its next clip.</summary>
public sealed record SvdFrames(float[] Pixels, int Frames, int Height, int Width, SvdTimings Timings);

/// <summary>
/// Stable Video Diffusion img2vid after the reference algorithm (diffusers' StableVideoDiffusionPipeline):
/// CLIP image embedding, the noise-augmented conditioning image through the VAE encoder (latent mode, unscaled)
/// repeated over frames as 4 extra channels, added time ids [fps − 1, motion bucket, noise aug], Euler
/// v-prediction on Karras sigmas with guidance rising across frames, and the latents / 0.18215 decoded in chunks.
/// </summary>
public sealed class SvdPipeline(SvdModels models, Func<SessionOptions>? deviceSessionOptions = null, OrtMemoryInfo? deviceMemory = null) : IDisposable
{
    private DeviceSampler? _deviceSampler;

    public const double VaeScaling = 0.18215;
    public const int ClipSize = 224;
    private static readonly float[] ClipMean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    private TimeSpan _inRun;

    // The per-clip methods below run a few times a clip: without AggressiveOptimization they stay tier-0
    // code for the studio's first clips, which then spend several times longer outside the models.

    // Reused between clips: the pipeline runs one clip at a time (the GPU slot), and fresh arrays of this
    // size cost more in page faults than the sampler does in arithmetic.
    private float[] _latents = [], _unetInput = [], _unetOutput = [], _image = [], _imageNoise = [], _scaled = [], _frames = [];

    private static float[] Buffer(ref float[] buffer, int length)
    {
        if (buffer.Length != length)
        {
            buffer = GC.AllocateUninitializedArray<float>(length);
        }
        return buffer;
    }

    /// <param name="image">The keyframe as RGB24 at <paramref name="height"/>×<paramref name="width"/> (multiples of 8).</param>
    /// <param name="clipImage">The keyframe as RGB24 at 224×224, resized with antialiasing.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SvdFrames Generate(byte[] image, int height, int width, byte[] clipImage, SvdParameters p, IProgress<int>? stepDone, CancellationToken ct)
    {
        if (height % 8 != 0 || width % 8 != 0)
        {
            throw new ArgumentException($"SVD works on sizes that are multiples of 8; {width}×{height} is not.");
        }
        var total = Stopwatch.StartNew();
        _inRun = TimeSpan.Zero;
        var random = new GaussianNoise(p.Seed);
        int h = height / 8, w = width / 8, f = p.Frames;
        var plane = h * w;
        var frameLatent = 4 * plane;

        var embeds = EncodeImage(clipImage, ct);
        var imageLatent = EncodeConditioningImage(image, height, width, p.NoiseAugmentation, random, ct);
        if (imageLatent.Length < frameLatent)
        {
            throw new InvalidDataException($"The VAE encoder returned {imageLatent.Length} values for a {w}×{h} latent; expected at least {frameLatent}.");
        }

        var scheduler = new KarrasScheduler(p.Steps);
        var guidance = KarrasScheduler.GuidanceRamp(f, p.MinGuidance, p.MaxGuidance);
        var cfg = p.MaxGuidance > 1;
        var batch = cfg ? 2 : 1;

        var latents = Buffer(ref _latents, f * frameLatent);
        random.Fill(latents, scheduler.InitialNoiseSigma);

        // UNet input [batch, frame, 8, h, w]: channels 0–3 the scaled latents (rewritten every step),
        // 4–7 the conditioning latent (zeros for the unconditional half), written once.
        var unetInput = Buffer(ref _unetInput, batch * f * 8 * plane);
        Array.Clear(unetInput);
        for (var b = 0; b < batch; b++)
        {
            if (cfg && b == 0)
            {
                continue;
            }
            for (var fr = 0; fr < f; fr++)
            {
                Array.Copy(imageLatent, 0, unetInput, ((b * f + fr) * 8 + 4) * plane, frameLatent);
            }
        }
        var hidden = new float[batch * embeds.Length];
        Array.Copy(embeds, 0, hidden, (batch - 1) * embeds.Length, embeds.Length);
        var timeIds = new float[batch * 3];
        for (var b = 0; b < batch; b++)
        {
            timeIds[b * 3] = p.Fps - 1;
            timeIds[b * 3 + 1] = p.MotionBucket;
            timeIds[b * 3 + 2] = (float)p.NoiseAugmentation;
        }

        var meta = models.Unet.InputMetadata;
        var timestepShape = meta["timestep"].Dimensions.Length == 0 ? Array.Empty<long>() : [1L];
        using var sampleValue = OnnxTensors.Create(meta["sample"], unetInput, [batch, f, 8, h, w]);
        using var hiddenValue = OnnxTensors.Create(meta["encoder_hidden_states"], hidden, [batch, 1, embeds.Length]);
        using var timeIdsValue = OnnxTensors.Create(meta["added_time_ids"], timeIds, [batch, 3]);
        var fp16Sample = meta["sample"].ElementDataType == TensorElementType.Float16;
        using var runOptions = new RunOptions();
        using var cancel = ct.Register(() => runOptions.Terminate = true);

        // Step 0's input is scaled here; later inputs are written by the fused update after each step.
        ScaleIntoInput(latents, unetInput, (float)scheduler.InputScale(0), batch, f, frameLatent, plane);
        var onDevice = deviceMemory is not null && deviceSessionOptions is not null;
        if (onDevice)
        {
            // On an accelerator the loop stays in device memory; the managed loop below is the CPU path.
            if (_deviceSampler?.Batch != batch)
            {
                _deviceSampler?.Dispose();
                _deviceSampler = null;
            }
            _deviceSampler ??= new DeviceSampler(models.Unet, deviceSessionOptions!, deviceMemory!, batch);
            using var first = fp16Sample ? OnnxTensors.Create(meta["sample"], unetInput, [batch, f, 8, h, w]) : null;
            _deviceSampler.Sample(first ?? sampleValue, latents,
                step => OnnxTensors.Create(meta["timestep"], [(float)scheduler.Timesteps[step]], timestepShape),
                hiddenValue, timeIdsValue, scheduler, guidance, f, h, w, runOptions, t => _inRun += t, stepDone, ct);
        }
        else
        {
            SampleOnHost(unetInput, latents, sampleValue, hiddenValue, timeIdsValue, timestepShape, scheduler, guidance, batch, f, h, w, runOptions, stepDone, ct);
        }

        var pixels = Decode(latents, f, h, w, p.DecodeChunk, runOptions, ct);
        return new SvdFrames(pixels, f, height, width, new SvdTimings(total.Elapsed, _inRun));
    }

    public void Dispose() => _deviceSampler?.Dispose();

    /// <summary>
    /// The CPU loop: the UNet writes into an array of ours (no per-step output allocation) and the guided
    /// Euler update runs frame-parallel, since on a CPU it competes with nothing but the UNet itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SampleOnHost(float[] unetInput, float[] latents, OrtValue sampleValue, OrtValue hiddenValue, OrtValue timeIdsValue, long[] timestepShape,
        KarrasScheduler scheduler, double[] guidance, int batch, int f, int h, int w, RunOptions runOptions, IProgress<int>? stepDone, CancellationToken ct)
    {
        var meta = models.Unet.InputMetadata;
        var plane = h * w;
        var frameLatent = 4 * plane;
        var cfg = batch == 2;
        var fp16Sample = meta["sample"].ElementDataType == TensorElementType.Float16;
        var fp16Output = models.Unet.OutputMetadata["out_sample"].ElementDataType == TensorElementType.Float16;
        var output = Buffer(ref _unetOutput, batch * f * frameLatent);
        using var outputValue = fp16Output ? null : OrtValue.CreateTensorValueFromMemory(output, [batch, f, 4, h, w]);
        var timestep = new float[1];
        string[] inputNames = ["sample", "timestep", "encoder_hidden_states", "added_time_ids"];
        for (var step = 0; step < scheduler.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            timestep[0] = (float)scheduler.Timesteps[step];
            // fp32 tensors wrap our arrays (no copy); fp16 ones are converted each step.
            using var sampleNow = fp16Sample ? OnnxTensors.Create(meta["sample"], unetInput, [batch, f, 8, h, w]) : null;
            using var timestepValue = OnnxTensors.Create(meta["timestep"], timestep, timestepShape);
            OrtValue[] inputs = [sampleNow ?? sampleValue, timestepValue, hiddenValue, timeIdsValue];
            if (outputValue is not null)
            {
                RunInto(models.Unet, runOptions, inputNames, inputs, "out_sample", outputValue, ct);
            }
            else
            {
                using var outputs = Run(models.Unet, runOptions, inputNames, inputs, "out_sample", ct);
                OnnxTensors.CopyFloats(outputs[0], output);
            }
            var (a, b) = scheduler.StepCoefficients(step);
            var nextScale = step + 1 < scheduler.Steps ? (float)scheduler.InputScale(step + 1) : 0f;
            var condStart = (batch - 1) * f * frameLatent;
            Parallel.For(0, f, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (fr) =>
            {
                var o = fr * frameLatent;
                var cond = output.AsSpan(condStart + o, frameLatent);
                var uncond = cfg ? output.AsSpan(o, frameLatent) : cond;
                var firstHalf = unetInput.AsSpan(fr * 8 * plane, frameLatent);
                var secondHalf = cfg ? unetInput.AsSpan((f + fr) * 8 * plane, frameLatent) : [];
                GuidedStep(uncond, cond, latents.AsSpan(o, frameLatent), cfg ? (float)guidance[fr] : 1f, a, b, nextScale, firstHalf, secondHalf);
            });
            stepDone?.Report(step + 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleIntoInput(float[] latents, float[] unetInput, float scale, int batch, int frames, int frameLatent, int plane)
    {
        for (var b = 0; b < batch; b++)
        {
            for (var fr = 0; fr < frames; fr++)
            {
                TensorPrimitives.Multiply(latents.AsSpan(fr * frameLatent, frameLatent), scale, unetInput.AsSpan((b * frames + fr) * 8 * plane, frameLatent));
            }
        }
    }

    /// <summary>
    /// One pass per frame instead of five: v = u + g·(c − u); x' = a·x + b·v; and the next step's UNet
    /// input x'·c_in written into both halves of the batch. Memory traffic is what this loop costs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GuidedStep(ReadOnlySpan<float> u, ReadOnlySpan<float> c, Span<float> x, float g, float a, float b, float nextScale, Span<float> input0, Span<float> input1)
    {
        var i = 0;
        var width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vg = new Vector<float>(g);
            var va = new Vector<float>(a);
            var vb = new Vector<float>(b);
            var vs = new Vector<float>(nextScale);
            var both = !input1.IsEmpty;
            for (; i <= x.Length - width; i += width)
            {
                var vu = new Vector<float>(u[i..]);
                var next = va * new Vector<float>(x[i..]) + vb * (vu + vg * (new Vector<float>(c[i..]) - vu));
                next.CopyTo(x[i..]);
                var scaled = next * vs;
                scaled.CopyTo(input0[i..]);
                if (both)
                {
                    scaled.CopyTo(input1[i..]);
                }
            }
        }
        for (; i < x.Length; i++)
        {
            var next = a * x[i] + b * (u[i] + g * (c[i] - u[i]));
            x[i] = next;
            input0[i] = next * nextScale;
            if (!input1.IsEmpty)
            {
                input1[i] = next * nextScale;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float[] EncodeImage(byte[] clipImage, CancellationToken ct)
    {
        if (clipImage.Length != ClipSize * ClipSize * 3)
        {
            throw new ArgumentException($"The CLIP image must be {ClipSize}×{ClipSize} RGB.");
        }
        var pixels = new float[3 * ClipSize * ClipSize];
        var plane = ClipSize * ClipSize;
        for (var i = 0; i < plane; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                pixels[c * plane + i] = (clipImage[i * 3 + c] / 255f - ClipMean[c]) / ClipStd[c];
            }
        }
        using var value = OnnxTensors.Create(models.ImageEncoder.InputMetadata["pixel_values"], pixels, [1, 3, ClipSize, ClipSize]);
        using var runOptions = new RunOptions();
        using var outputs = Run(models.ImageEncoder, runOptions, ["pixel_values"], [value], "image_embeds", ct);
        return OnnxTensors.ToFloats(outputs[0]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float[] EncodeConditioningImage(byte[] image, int height, int width, double noiseAugmentation, GaussianNoise random, CancellationToken ct)
    {
        var plane = height * width;
        if (image.Length != plane * 3)
        {
            throw new ArgumentException($"The image must be {width}×{height} RGB.");
        }
        var pixels = Buffer(ref _image, 3 * plane);
        // Interleaved bytes to planar floats in [-1, 1], rows in parallel.
        Parallel.For(0, height, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            for (int i = y * width, end = i + width; i < end; i++)
            {
                pixels[i] = image[i * 3] * (1 / 127.5f) - 1f;
                pixels[plane + i] = image[i * 3 + 1] * (1 / 127.5f) - 1f;
                pixels[2 * plane + i] = image[i * 3 + 2] * (1 / 127.5f) - 1f;
            }
        });
        var noise = Buffer(ref _imageNoise, pixels.Length);
        random.Fill(noise, noiseAugmentation);
        TensorPrimitives.Add(pixels, noise, pixels);
        using var value = OnnxTensors.Create(models.VaeEncoder.InputMetadata["sample"], pixels, [1, 3, height, width]);
        using var runOptions = new RunOptions();
        using var outputs = Run(models.VaeEncoder, runOptions, ["sample"], [value], "latent_sample", ct);
        // An export that returns the distribution's moments (8 channels) carries the mean first: the mode.
        return OnnxTensors.ToFloats(outputs[0]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float[] Decode(float[] latents, int frames, int h, int w, int chunk, RunOptions runOptions, CancellationToken ct)
    {
        var frameLatent = 4 * h * w;
        var scaled = Buffer(ref _scaled, latents.Length);
        TensorPrimitives.Multiply(latents, (float)(1 / VaeScaling), scaled);
        var meta = models.VaeDecoder.InputMetadata;
        var fp32Output = models.VaeDecoder.OutputMetadata["sample"].ElementDataType == TensorElementType.Float;
        var framePixels = 3 * h * 8 * w * 8;
        var pixels = Buffer(ref _frames, frames * framePixels);
        for (var start = 0; start < frames; start += chunk)
        {
            var n = Math.Min(chunk, frames - start);
            var slice = scaled.AsMemory(start * frameLatent, n * frameLatent);
            using var value = meta["latent_sample"].ElementDataType == TensorElementType.Float
                ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, slice, [n, 4, h, w])
                : OnnxTensors.Create(meta["latent_sample"], slice.ToArray(), [n, 4, h, w]);
            using var numFrames = meta.ContainsKey("num_frames") ? OrtValue.CreateTensorValueFromMemory(new long[] { n }, [1]) : null;
            var names = numFrames is null ? new[] { "latent_sample" } : ["latent_sample", "num_frames"];
            var values = numFrames is null ? new[] { value } : [value, numFrames];
            if (fp32Output)
            {
                // The decoder writes each chunk's frames straight into the result: no copy of the largest tensor.
                using var output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, pixels.AsMemory(start * framePixels, n * framePixels), [n, 3, h * 8, w * 8]);
                RunInto(models.VaeDecoder, runOptions, names, values, "sample", output, ct);
            }
            else
            {
                using var outputs = Run(models.VaeDecoder, runOptions, names, values, "sample", ct);
                OnnxTensors.CopyFloats(outputs[0], pixels.AsSpan(start * framePixels, n * framePixels));
            }
        }
        return pixels;
    }

    private void RunInto(InferenceSession session, RunOptions options, string[] inputNames, OrtValue[] inputs, string outputName, OrtValue output, CancellationToken ct) =>
        OnnxCall.Run(() => session.Run(options, inputNames, inputs, [outputName], [output]), ct, t => _inRun += t);

    private IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, RunOptions options, string[] inputNames, OrtValue[] inputs, string output, CancellationToken ct) =>
        OnnxCall.Run(() => session.Run(options, inputNames, inputs, [output]), ct, t => _inRun += t);
}
