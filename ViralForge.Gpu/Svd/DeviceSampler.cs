using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ViralForge.Gpu.Onnx;

namespace ViralForge.Gpu.Svd;

/// <summary>
/// The sampling loop with the latents kept in the execution provider's memory: the UNet and a small
/// "sampler step" graph (guidance, Euler step, next UNet input, the same maths as the managed loop)
/// are chained through IO binding, so on CUDA nothing crosses to the host between steps. Only the
/// first input goes up and the final latents come down.
/// </summary>
public sealed class DeviceSampler : IDisposable
{
    private readonly InferenceSession _unet;
    private readonly InferenceSession _step;
    private readonly OrtMemoryInfo _memory;
    private readonly OrtAllocator _allocator;
    private readonly TensorElementType _type;
    private readonly int _batch;

    public int Batch => _batch;

    public DeviceSampler(InferenceSession unet, Func<SessionOptions> sessionOptions, OrtMemoryInfo memory, int batch)
    {
        _unet = unet;
        _memory = memory;
        _batch = batch;
        _type = unet.InputMetadata["sample"].ElementDataType;
        using var options = sessionOptions();
        _step = new InferenceSession(StepGraph(_type, batch), options);
        _allocator = new OrtAllocator(_unet, memory);
    }

    /// <summary>
    /// out_sample (batch, F, 4, h, w), latents (F, 4, h, w), sample (batch, F, 8, h, w), guidance (F), coefficients [a, b, c_in next]
    /// → latents_next, sample_next: v = u + g·(c − u), x' = a·x + b·v, head = x'·c_in, tail kept.
    /// </summary>
    public static byte[] StepGraph(TensorElementType unetType, int batch)
    {
        var fp16 = unetType == TensorElementType.Float16;
        var type = fp16 ? OnnxModelBuilder.TensorFloat16 : OnnxModelBuilder.TensorFloat;
        var m = new OnnxModelBuilder("svd_sampler_step")
            .Input("out_sample", type, batch, "frames", 4, "h", "w")
            .Input("latents", OnnxModelBuilder.TensorFloat, "frames", 4, "h", "w")
            .Input("sample", type, batch, "frames", 8, "h", "w")
            .Input("guidance", OnnxModelBuilder.TensorFloat, "frames")
            .Input("coefficients", OnnxModelBuilder.TensorFloat, 3)
            .Output("latents_next", OnnxModelBuilder.TensorFloat, "frames", 4, "h", "w")
            .Output("sample_next", type, batch, "frames", 8, "h", "w");
        string F(string x) => fp16 ? m.Node("Cast", [x], attributes: ("to", OnnxModelBuilder.TensorFloat)) : x;
        string Scalar(int i) => m.Node("Gather", ["coefficients", m.Constant([(long)i])], attributes: ("axis", 0L));
        var output = F("out_sample");
        var cond = m.Node("Squeeze", [m.Node("Slice", [output, m.Constant([batch - 1L], 1), m.Constant([(long)batch], 1), m.Constant([0L], 1)]), m.Constant([0L], 1)]);
        string velocity;
        if (batch == 2)
        {
            var uncond = m.Node("Squeeze", [m.Node("Slice", [output, m.Constant([0L], 1), m.Constant([1L], 1), m.Constant([0L], 1)]), m.Constant([0L], 1)]);
            var g = m.Node("Reshape", ["guidance", m.Constant([-1L, 1L, 1L, 1L], 4)]);
            velocity = m.Node("Add", [uncond, m.Node("Mul", [g, m.Node("Sub", [cond, uncond])])]);
        }
        else
        {
            velocity = cond;
        }
        var next = m.Node("Add", [m.Node("Mul", ["latents", Scalar(0)]), m.Node("Mul", [velocity, Scalar(1)])], "latents_next");
        var head = m.Node("Unsqueeze", [m.Node("Mul", [next, Scalar(2)]), m.Constant([0L], 1)]);
        var heads = batch == 2 ? m.Node("Concat", [head, head], attributes: ("axis", 0L)) : head;
        var tail = m.Node("Slice", [F("sample"), m.Constant([4L], 1), m.Constant([8L], 1), m.Constant([2L], 1)]);
        var sample = m.Node("Concat", [heads, tail], fp16 ? null : "sample_next", ("axis", 2L));
        if (fp16)
        {
            m.Node("Cast", [sample], "sample_next", ("to", OnnxModelBuilder.TensorFloat16));
        }
        return m.Build();
    }

    /// <param name="firstSample">The UNet's first input on the host (its head already scaled by c_in of step 0).</param>
    /// <param name="latents">The initial latents on the host; the final latents are written back into it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Sample(OrtValue firstSample, float[] latents, Func<int, OrtValue> timestepFor, OrtValue hidden, OrtValue timeIds,
        KarrasScheduler scheduler, double[] guidance, int frames, int h, int w, RunOptions runOptions, Action<TimeSpan> inRun, IProgress<int>? stepDone, CancellationToken ct)
    {
        long[] sampleShape = [_batch, frames, 8, h, w];
        long[] outShape = [_batch, frames, 4, h, w];
        long[] latentShape = [frames, 4, h, w];
        using var samples0 = OrtValue.CreateAllocatedTensorValue(_allocator, _type, sampleShape);
        using var samples1 = OrtValue.CreateAllocatedTensorValue(_allocator, _type, sampleShape);
        using var latents0 = OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, latentShape);
        using var latents1 = OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, latentShape);
        using var output = OrtValue.CreateAllocatedTensorValue(_allocator, _type, outShape);
        using var hostLatents = OrtValue.CreateTensorValueFromMemory(latents, latentShape);
        var guidanceData = guidance.Select(g => (float)g).ToArray();
        using var guidanceValue = OrtValue.CreateTensorValueFromMemory(guidanceData, [frames]);
        var coefficients = new float[3];
        using var coefficientsValue = OrtValue.CreateTensorValueFromMemory(coefficients, [3]);
        using var unetBinding = _unet.CreateIoBinding();
        using var stepBinding = _step.CreateIoBinding();
        OrtValue[] sampleBuffers = [samples0, samples1];
        OrtValue[] latentBuffers = [latents0, latents1];

        for (var step = 0; step < scheduler.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            var last = step == scheduler.Steps - 1;
            using var timestep = timestepFor(step);
            var currentSample = step == 0 ? firstSample : sampleBuffers[step % 2];
            unetBinding.ClearBoundInputs();
            unetBinding.ClearBoundOutputs();
            unetBinding.BindInput("sample", currentSample);
            unetBinding.BindInput("timestep", timestep);
            unetBinding.BindInput("encoder_hidden_states", hidden);
            unetBinding.BindInput("added_time_ids", timeIds);
            unetBinding.BindOutput("out_sample", output);
            OnnxCall.Run(() => _unet.RunWithBinding(runOptions, unetBinding), ct, inRun);

            var (a, b) = scheduler.StepCoefficients(step);
            coefficients[0] = a;
            coefficients[1] = b;
            coefficients[2] = last ? 0f : (float)scheduler.InputScale(step + 1);
            stepBinding.ClearBoundInputs();
            stepBinding.ClearBoundOutputs();
            stepBinding.BindInput("out_sample", output);
            stepBinding.BindInput("latents", step == 0 ? hostLatents : latentBuffers[step % 2]);
            stepBinding.BindInput("sample", currentSample);
            stepBinding.BindInput("guidance", guidanceValue);
            stepBinding.BindInput("coefficients", coefficientsValue);
            // The last step's latents come back to the host; every other result stays on the device.
            stepBinding.BindOutput("latents_next", last ? hostLatents : latentBuffers[(step + 1) % 2]);
            stepBinding.BindOutput("sample_next", sampleBuffers[(step + 1) % 2]);
            OnnxCall.Run(() => _step.RunWithBinding(runOptions, stepBinding), ct, inRun);
            if (last)
            {
                stepBinding.SynchronizeBoundOutputs();
            }
            stepDone?.Report(step + 1);
        }
    }

    public void Dispose()
    {
        _step.Dispose();
        _allocator.Dispose();
    }
}
