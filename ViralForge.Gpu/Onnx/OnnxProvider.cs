using System.ComponentModel.DataAnnotations;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ViralForge.Gpu.Onnx;

public sealed class GpuOptions
{
    public const string Section = "Gpu";

    /// <summary>cpu, or cuda (then <see cref="CudaDeviceId"/>). CUDA that cannot be used is reported, never replaced silently.</summary>
    [RegularExpression("^(cpu|cuda)$")]
    public string ExecutionProvider { get; set; } = "cpu";

    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>Stable Video Diffusion as four ONNX models: image_encoder.onnx, vae_encoder.onnx, unet.onnx, vae_decoder.onnx.</summary>
    public string SvdModelsPath { get; set; } = ".data/models/svd";

    /// <summary>SD-Turbo as a diffusers ONNX export: text_encoder/, unet/, vae_decoder/ (model.onnx each) and tokenizer/.</summary>
    public string TextToImageModelsPath { get; set; } = ".data/models/sd-turbo";
}

/// <summary>What the execution provider really is, proven by running a tiny model on it.</summary>
public sealed record ProviderStatus(string Requested, string InUse, bool Usable, string Detail, string Device);

/// <summary>
/// Builds session options for the configured execution provider. The first use runs a probe model
/// on it: listing CUDA among the available providers proves nothing, only a run does.
/// </summary>
public sealed class OnnxProvider(IOptions<GpuOptions> options, ILogger<OnnxProvider> log)
{
    private readonly Lock _gate = new();
    private ProviderStatus? _status;

    /// <summary>The last probe's verdict (the first use runs it).</summary>
    public ProviderStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status ??= Logged(Probe(options.Value), null);
            }
        }
    }

    /// <summary>Runs the probe inference again (the health check does, so a device that stopped working shows).</summary>
    public ProviderStatus Reprobe()
    {
        var fresh = Probe(options.Value);
        lock (_gate)
        {
            _status = Logged(fresh, _status);
        }
        return fresh;
    }

    public SessionOptions CreateSessionOptions()
    {
        var status = Status;
        if (!status.Usable)
        {
            throw new InvalidOperationException($"The {status.Requested} execution provider cannot be used: {status.Detail}");
        }
        var session = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        // Idle intra-op threads would otherwise spin between runs and take the cores the sampler needs.
        session.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (status.InUse == "cuda")
        {
            session.AppendExecutionProvider_CUDA(options.Value.CudaDeviceId);
        }
        return session;
    }

    /// <summary>Y = 2·X + 1 on the provider; anything but the right answer means it is not usable.</summary>
    public static byte[] ProbeModel()
    {
        var model = new OnnxModelBuilder("probe")
            .Input("x", OnnxModelBuilder.TensorFloat, 1, 4)
            .Output("y", OnnxModelBuilder.TensorFloat, 1, 4);
        model.Node("Add", [model.Node("Mul", ["x", model.Constant([2f], 1)]), model.Constant([1f], 1)], "y");
        return model.Build();
    }

    /// <summary>Logs a verdict when it is new, not on every health check.</summary>
    private ProviderStatus Logged(ProviderStatus status, ProviderStatus? previous)
    {
        if (previous is null || previous.Usable != status.Usable || previous.Detail != status.Detail)
        {
            if (status.Usable)
            {
                log.LogInformation("ONNX Runtime runs on {Provider} ({Device}).", status.InUse, status.Device);
            }
            else
            {
                // Typically "Failed to load shared library": the CUDA / cuDNN libraries this build needs are missing.
                log.LogError("The {Provider} execution provider cannot be used: {Reason}", status.Requested, status.Detail);
            }
        }
        return status;
    }

    /// <summary>A tiny inference on the configured provider, now (a worker decides at start-up whether to take GPU work).</summary>
    public static ProviderStatus Probe(GpuOptions gpu)
    {
        var requested = gpu.ExecutionProvider;
        try
        {
            using var session = new SessionOptions();
            if (requested == "cuda")
            {
                session.AppendExecutionProvider_CUDA(gpu.CudaDeviceId);
            }
            using var probe = new InferenceSession(ProbeModel(), session);
            using var x = OrtValue.CreateTensorValueFromMemory(new[] { 0f, 1f, 2f, 3f }, [1, 4]);
            using var runOptions = new RunOptions();
            using var results = probe.Run(runOptions, new Dictionary<string, OrtValue> { ["x"] = x }, ["y"]);
            var y = results[0].GetTensorDataAsSpan<float>().ToArray();
            if (!y.SequenceEqual([1f, 3f, 5f, 7f]))
            {
                return new ProviderStatus(requested, "none", false, $"The probe model computed [{string.Join(", ", y)}] instead of [1, 3, 5, 7].", "");
            }
            var device = requested == "cuda" ? $"CUDA device {gpu.CudaDeviceId}" : $"CPU ({Environment.ProcessorCount} cores)";
            return new ProviderStatus(requested, requested, true, $"A probe inference ran on {requested}.", device);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            return new ProviderStatus(requested, "none", false, ex.Message, "");
        }
    }
}

/// <summary>Tensors in the element type a model input declares (fp16 or fp32), and fp16 outputs back to floats.</summary>
public static class OnnxTensors
{
    public static OrtValue Create(NodeMetadata input, float[] data, long[] shape)
    {
        if (input.ElementDataType == TensorElementType.Float16)
        {
            var halves = new Float16[data.Length];
            TensorPrimitives.ConvertToHalf(data, MemoryMarshal.Cast<Float16, Half>(halves.AsSpan()));
            return OrtValue.CreateTensorValueFromMemory(halves, shape);
        }
        return OrtValue.CreateTensorValueFromMemory(data, shape);
    }

    public static float[] ToFloats(OrtValue value)
    {
        if (value.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float16)
        {
            var halves = MemoryMarshal.Cast<Float16, Half>(value.GetTensorDataAsSpan<Float16>());
            var floats = new float[halves.Length];
            TensorPrimitives.ConvertToSingle(halves, floats);
            return floats;
        }
        return value.GetTensorDataAsSpan<float>().ToArray();
    }

    public static void CopyFloats(OrtValue value, Span<float> target)
    {
        if (value.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float16)
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<Float16, Half>(value.GetTensorDataAsSpan<Float16>()), target);
        }
        else
        {
            value.GetTensorDataAsSpan<float>().CopyTo(target);
        }
    }
}

/// <summary>Runs the provider probe at start-up, so the banner, /health and the first clip never wait for it.</summary>
public sealed class OnnxProviderWarmup(OnnxProvider provider) : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() => _ = provider.Status, stoppingToken);
}

/// <summary>
/// One inference call: ONNX Runtime reports a run stopped by <see cref="RunOptions.Terminate"/> as an
/// error, which becomes a cancellation when the token asked for it; the time spent inside is reported.
/// </summary>
public static class OnnxCall
{
    public static T Run<T>(Func<T> run, CancellationToken ct, Action<TimeSpan>? spent = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return run();
        }
        catch (OnnxRuntimeException) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException(ct);
        }
        finally
        {
            spent?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    public static void Run(Action run, CancellationToken ct, Action<TimeSpan>? spent = null) =>
        Run(() =>
        {
            run();
            return true;
        }, ct, spent);
}
