using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.Svd;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// Stable Video Diffusion's four ONNX models, written by the tests with the real input and output names,
/// shapes and types, and small exact maths inside: the image encoder averages colours into a 1024-wide
/// embedding, the VAE encoder pools 8×8 blocks into 4 latent channels, the UNet is the ideal v-prediction
/// denoiser towards the conditioning latent (its guidance is therefore visible exactly in the result),
/// and the decoder turns latents back into 8×8-pixel blocks.
/// </summary>
public static class TinySvdModels
{
    public const int LatentHeight = 16;
    public const int LatentWidth = 9;

    /// <param name="convChannels">When above 0, the UNet also runs three 3×3 convolutions of that width per frame
    /// (at a small weight), so a benchmark has inference work of a realistic kind to compare against.</param>
    public static string Write(string folder, bool fp16Unet = false, int latentHeight = LatentHeight, int latentWidth = LatentWidth, int convChannels = 0)
    {
        Directory.CreateDirectory(folder);
        ImageEncoder().Save(Path.Combine(folder, SvdModels.ImageEncoderFile));
        VaeEncoder(latentHeight, latentWidth).Save(Path.Combine(folder, SvdModels.VaeEncoderFile));
        Unet(fp16Unet, latentHeight, latentWidth, convChannels).Save(Path.Combine(folder, SvdModels.UnetFile));
        VaeDecoder(latentHeight, latentWidth).Save(Path.Combine(folder, SvdModels.VaeDecoderFile));
        return folder;
    }

    private static OnnxModelBuilder ImageEncoder()
    {
        var m = new OnnxModelBuilder("image_encoder")
            .Input("pixel_values", OnnxModelBuilder.TensorFloat, "batch", 3, 224, 224)
            .Output("image_embeds", OnnxModelBuilder.TensorFloat, "batch", 1024);
        var colours = m.Node("ReduceMean", ["pixel_values"], attributes: [("axes", new long[] { 2, 3 }), ("keepdims", 0L)]);
        var weights = m.Constant(Enumerable.Range(0, 3 * 1024).Select(i => MathF.Sin(i * 0.37f)).ToArray(), 3, 1024);
        m.Node("MatMul", [colours, weights], "image_embeds");
        return m;
    }

    private static OnnxModelBuilder VaeEncoder(int lh, int lw)
    {
        var m = new OnnxModelBuilder("vae_encoder")
            .Input("sample", OnnxModelBuilder.TensorFloat, "batch", 3, lh * 8, lw * 8)
            .Output("latent_sample", OnnxModelBuilder.TensorFloat, "batch", 4, lh, lw);
        var pooled = m.Node("AveragePool", ["sample"], attributes: [("kernel_shape", new long[] { 8, 8 }), ("strides", new long[] { 8, 8 })]);
        var third = 1f / 3;
        var weights = m.Constant([1, 0, 0, 0, 1, 0, 0, 0, 1, third, third, third], 4, 3, 1, 1);
        m.Node("Conv", [pooled, weights], "latent_sample");
        return m;
    }

    /// <summary>v = (x_in·c_in − z) / (σ·c_in), σ = e^(4t): exactly the v that makes the sampler's denoised estimate z.</summary>
    private static OnnxModelBuilder Unet(bool fp16, int lh, int lw, int convChannels)
    {
        var type = fp16 ? OnnxModelBuilder.TensorFloat16 : OnnxModelBuilder.TensorFloat;
        var m = new OnnxModelBuilder("unet")
            .Input("sample", type, "batch", "frames", 8, lh, lw)
            .Input("timestep", type, 1)
            .Input("encoder_hidden_states", type, "batch", 1, 1024)
            .Input("added_time_ids", type, "batch", 3)
            .Output("out_sample", type, "batch", "frames", 4, lh, lw);
        string F(string x) => fp16 ? m.Node("Cast", [x], attributes: ("to", OnnxModelBuilder.TensorFloat)) : x;
        var sample = F("sample");
        var t = F("timestep");
        var xIn = m.Node("Slice", [sample, m.Constant([0L], 1), m.Constant([4L], 1), m.Constant([2L], 1)]);
        var z = m.Node("Slice", [sample, m.Constant([4L], 1), m.Constant([8L], 1), m.Constant([2L], 1)]);
        var sigma = m.Node("Exp", [m.Node("Mul", [t, m.Constant([4f], 1)])]);
        var cIn = m.Node("Reciprocal", [m.Node("Sqrt", [m.Node("Add", [m.Node("Mul", [sigma, sigma]), m.Constant([1f], 1)])])]);
        var v = m.Node("Div", [m.Node("Sub", [m.Node("Mul", [xIn, cIn]), z]), m.Node("Mul", [sigma, cIn])]);
        // The conditioning inputs pass through at zero weight, so their shapes are checked against the batch.
        var hidden = m.Node("ReduceMean", [F("encoder_hidden_states")], attributes: [("axes", new long[] { 1, 2 }), ("keepdims", 0L)]);
        var ids = m.Node("ReduceMean", [F("added_time_ids")], attributes: [("axes", new long[] { 1 }), ("keepdims", 0L)]);
        var zero = m.Node("Mul", [m.Node("Add", [hidden, ids]), m.Constant([0f], 1)]);
        var perBatch = m.Node("Reshape", [zero, m.Constant([-1L, 1L, 1L, 1L, 1L], 5)]);
        if (convChannels > 0)
        {
            var images = m.Node("Reshape", [sample, m.Constant([-1L, 8L, lh, lw], 4)]);
            var c1 = m.Node("Relu", [m.Node("Conv", [images, Weights(m, convChannels, 8)], attributes: ("pads", new long[] { 1, 1, 1, 1 }))]);
            var c2 = m.Node("Relu", [m.Node("Conv", [c1, Weights(m, convChannels, convChannels)], attributes: ("pads", new long[] { 1, 1, 1, 1 }))]);
            var c3 = m.Node("Conv", [c2, Weights(m, 4, convChannels)], attributes: ("pads", new long[] { 1, 1, 1, 1 }));
            var shaped = m.Node("Reshape", [c3, m.Node("Shape", [v])]);
            v = m.Node("Add", [v, m.Node("Mul", [shaped, m.Constant([1e-6f], 1)])]);
        }
        var output = m.Node("Add", [v, perBatch], fp16 ? null : "out_sample");
        if (fp16)
        {
            m.Node("Cast", [output], "out_sample", ("to", OnnxModelBuilder.TensorFloat16));
        }
        return m;
    }

    private static string Weights(OnnxModelBuilder m, int outputs, int inputs) =>
        m.Constant(Enumerable.Range(0, outputs * inputs * 9).Select(i => MathF.Sin(i * 0.61f) * 0.1f).ToArray(), outputs, inputs, 3, 3);

    private static OnnxModelBuilder VaeDecoder(int lh, int lw)
    {
        var m = new OnnxModelBuilder("vae_decoder")
            .Input("latent_sample", OnnxModelBuilder.TensorFloat, "frames", 4, lh, lw)
            .Output("sample", OnnxModelBuilder.TensorFloat, "frames", 3, lh * 8, lw * 8);
        var unscaled = m.Node("Mul", ["latent_sample", m.Constant([(float)SvdPipeline.VaeScaling], 1)]);
        var rgb = m.Node("Conv", [unscaled, m.Constant([1f, 0f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 1f, 0f], 3, 4, 1, 1)]);
        m.Node("Resize", [rgb, "", m.Constant([1f, 1f, 8f, 8f], 4)], "sample", ("mode", "nearest"));
        return m;
    }
}
