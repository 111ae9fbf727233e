using System.Text.Json;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.TextToImage;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// An SD-Turbo diffusers ONNX export in miniature, written by the tests: the real folder layout, model
/// input and output names, types and shapes (input_ids int32 [batch, 77]; hidden states [batch, 77, 1024];
/// UNet sample [batch, 4, h, w] with an int64 timestep; VAE latent_sample → sample at 8×), a CLIP-format
/// vocab.json and merges.txt, and small exact maths: the text encoder looks each token up in a table, the
/// UNet predicts half the sample plus a colour drawn from the prompt, the decoder turns latents into
/// 8×8-pixel blocks.
/// </summary>
public static class TinySdTurbo
{
    public const int Hidden = 1024;

    /// <summary>The vocabulary: single letters, letters ending a word, a few merged words, the specials.</summary>
    public static Dictionary<string, int> Vocabulary()
    {
        var vocab = new Dictionary<string, int>();
        for (var c = 'a'; c <= 'z'; c++)
        {
            vocab[c.ToString()] = c - 'a';
            vocab[$"{c}</w>"] = 26 + (c - 'a');
        }
        vocab["<|startoftext|>"] = 60;
        vocab["<|endoftext|>"] = 61;
        vocab["photo</w>"] = 62;
        vocab["cat</w>"] = 63;
        vocab["!"] = 64;
        vocab["!</w>"] = 67;
        vocab["Ã"] = 65;
        vocab["©</w>"] = 66;
        vocab["ph"] = 68;
        vocab["pho"] = 69;
        vocab["to</w>"] = 70;
        vocab["ca"] = 71;
        return vocab;
    }

    public static readonly string[] Merges = ["p h", "ph o", "t o</w>", "pho to</w>", "c a", "ca t</w>"];

    /// <param name="convChannels">When above 0, the UNet and the decoder also run 3×3 convolutions of that width (at a
    /// small weight), so a benchmark has inference work of a realistic kind to compare against.</param>
    public static string Write(string folder, bool fp16Unet = false, int? latentHeight = null, int? latentWidth = null, bool sd2Padding = true, int convChannels = 0)
    {
        Directory.CreateDirectory(Path.Combine(folder, "tokenizer"));
        File.WriteAllText(Path.Combine(folder, "tokenizer", "vocab.json"), JsonSerializer.Serialize(Vocabulary()));
        File.WriteAllText(Path.Combine(folder, "tokenizer", "merges.txt"), "#version: 0.2\n" + string.Join('\n', Merges) + "\n");
        if (sd2Padding)
        {
            // SD 2.x tokenizers pad with "!", as their special_tokens_map.json says.
            File.WriteAllText(Path.Combine(folder, "tokenizer", "special_tokens_map.json"), """{"bos_token":"<|startoftext|>","eos_token":"<|endoftext|>","pad_token":"!"}""");
        }
        Directory.CreateDirectory(Path.Combine(folder, "scheduler"));
        File.WriteAllText(Path.Combine(folder, "scheduler", "scheduler_config.json"),
            """{"_class_name":"EulerAncestralDiscreteScheduler","beta_start":0.00085,"beta_end":0.012,"beta_schedule":"scaled_linear","num_train_timesteps":1000,"prediction_type":"epsilon","timestep_spacing":"trailing"}""");
        Save(TextEncoder(), folder, SdTurboModels.TextEncoderFile);
        Save(Unet(fp16Unet, latentHeight, latentWidth, convChannels: convChannels), folder, SdTurboModels.UnetFile);
        Save(VaeDecoder(convChannels / 5), folder, SdTurboModels.VaeDecoderFile);
        return folder;
    }

    /// <summary>
    /// SDXL-Turbo's layout: a second tokenizer and text encoder (outputs text_embeds and hidden_states.0–2 of
    /// 1280; the first encoder's of 768, with an int64 prompt), a UNet that also takes text_embeds and
    /// time_ids (and a float timestep), and the decoder's scaling factor in vae_decoder/config.json.
    /// </summary>
    public static string WriteXl(string folder, bool withLayers = true)
    {
        Write(folder);
        Directory.CreateDirectory(Path.Combine(folder, "tokenizer_2"));
        foreach (var file in new[] { "vocab.json", "merges.txt", "special_tokens_map.json" })
        {
            File.Copy(Path.Combine(folder, "tokenizer", file), Path.Combine(folder, "tokenizer_2", file), overwrite: true);
        }
        Save(XlTextEncoder(768, pooled: false, withLayers), folder, SdTurboModels.TextEncoderFile);
        Save(XlTextEncoder(1280, pooled: true, withLayers), folder, SdTurboModels.TextEncoder2File);
        Save(XlUnet(), folder, SdTurboModels.UnetFile);
        File.WriteAllText(Path.Combine(folder, "vae_decoder", "config.json"), """{"_class_name":"AutoencoderKL","scaling_factor":0.13025}""");
        return folder;
    }

    private static OnnxModelBuilder XlTextEncoder(int width, bool pooled, bool withLayers)
    {
        var m = new OnnxModelBuilder("text_encoder")
            .Input("input_ids", OnnxModelBuilder.TensorInt64, "batch", 77)
            .Output("last_hidden_state", OnnxModelBuilder.TensorFloat, "batch", 77, width);
        if (pooled)
        {
            m.Output("text_embeds", OnnxModelBuilder.TensorFloat, "batch", 1280);
        }
        var table = m.Constant(Enumerable.Range(0, 72 * width).Select(i => MathF.Sin(i * 0.017f + (i / width) * 0.9f)).ToArray(), 72, width);
        var states = m.Node("Gather", [table, "input_ids"], attributes: ("axis", 0L));
        var layer1 = m.Node("Mul", [states, m.Constant([0.5f], 1)]);
        var layer2 = m.Node("Mul", [states, m.Constant([0.25f], 1)]);
        if (withLayers)
        {
            m.Output("hidden_states.0", OnnxModelBuilder.TensorFloat, "batch", 77, width)
                .Output("hidden_states.1", OnnxModelBuilder.TensorFloat, "batch", 77, width)
                .Output("hidden_states.2", OnnxModelBuilder.TensorFloat, "batch", 77, width);
            m.Node("Identity", [states], "hidden_states.0");
            m.Node("Identity", [layer1], "hidden_states.1");
            m.Node("Identity", [layer2], "hidden_states.2");
        }
        m.Node("Identity", [layer2], "last_hidden_state");
        if (pooled)
        {
            m.Node("ReduceMean", [layer2], "text_embeds", ("axes", new long[] { 1 }), ("keepdims", 0L));
        }
        return m;
    }

    private static OnnxModelBuilder XlUnet()
    {
        var m = new OnnxModelBuilder("unet")
            .Input("sample", OnnxModelBuilder.TensorFloat, "batch", 4, "height", "width")
            .Input("timestep", OnnxModelBuilder.TensorFloat, 1)
            .Input("encoder_hidden_states", OnnxModelBuilder.TensorFloat, "batch", 77, 2048)
            .Input("text_embeds", OnnxModelBuilder.TensorFloat, "batch", 1280)
            .Input("time_ids", OnnxModelBuilder.TensorFloat, "batch", 6)
            .Output("out_sample", OnnxModelBuilder.TensorFloat, "batch", 4, "height", "width");
        var half = m.Node("Mul", ["sample", m.Constant([0.5f], 1)]);
        var mean = m.Node("ReduceMean", ["encoder_hidden_states"], attributes: [("axes", new long[] { 1 }), ("keepdims", 0L)]);
        var conditioning = m.Node("Concat", [mean, "text_embeds", "time_ids"], attributes: ("axis", 1L));
        var colour = m.Node("MatMul", [conditioning, m.Constant(Enumerable.Range(0, (2048 + 1280 + 6) * 4).Select(i => MathF.Cos(i * 0.53f) * (i >= (2048 + 1280) * 4 ? 0.001f : 0.3f)).ToArray(), 2048 + 1280 + 6, 4)]);
        var time = m.Node("Mul", ["timestep", m.Constant([0f], 1)]);
        m.Node("Add", [m.Node("Add", [half, time]), m.Node("Reshape", [colour, m.Constant([-1L, 4L, 1L, 1L], 4)])], "out_sample");
        return m;
    }

    private static void Save(OnnxModelBuilder model, string folder, string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, file))!);
        model.Save(Path.Combine(folder, file));
    }

    public static OnnxModelBuilder TextEncoder()
    {
        var m = new OnnxModelBuilder("text_encoder")
            .Input("input_ids", OnnxModelBuilder.TensorInt32, "batch", 77)
            .Output("last_hidden_state", OnnxModelBuilder.TensorFloat, "batch", 77, Hidden);
        var table = m.Constant(Enumerable.Range(0, 72 * Hidden).Select(i => MathF.Sin(i * 0.013f + (i / Hidden) * 0.7f)).ToArray(), 72, Hidden);
        m.Node("Gather", [table, "input_ids"], "last_hidden_state", ("axis", 0L));
        return m;
    }

    /// <summary>out = sample/2 + W·mean(hidden), a colour per channel the prompt decides; the timestep passes at zero weight.</summary>
    public static OnnxModelBuilder Unet(bool fp16, int? latentHeight = null, int? latentWidth = null, bool withHiddenStates = true, int convChannels = 0)
    {
        var type = fp16 ? OnnxModelBuilder.TensorFloat16 : OnnxModelBuilder.TensorFloat;
        object h = latentHeight is { } lh ? lh : "height", w = latentWidth is { } lw ? lw : "width";
        var m = new OnnxModelBuilder("unet")
            .Input("sample", type, "batch", 4, h, w)
            .Input("timestep", OnnxModelBuilder.TensorInt64, 1);
        if (withHiddenStates)
        {
            m.Input("encoder_hidden_states", type, "batch", 77, Hidden);
        }
        m.Output("out_sample", type, "batch", 4, h, w);
        string F(string x) => fp16 ? m.Node("Cast", [x], attributes: ("to", OnnxModelBuilder.TensorFloat)) : x;
        var half = m.Node("Mul", [F("sample"), m.Constant([0.5f], 1)]);
        var time = m.Node("Mul", [m.Node("Cast", ["timestep"], attributes: ("to", OnnxModelBuilder.TensorFloat)), m.Constant([0f], 1)]);
        var output = m.Node("Add", [half, time]);
        if (withHiddenStates)
        {
            var mean = m.Node("ReduceMean", [F("encoder_hidden_states")], attributes: [("axes", new long[] { 1 }), ("keepdims", 0L)]);
            var colour = m.Node("MatMul", [mean, m.Constant(Enumerable.Range(0, Hidden * 4).Select(i => MathF.Cos(i * 0.71f) * 0.4f).ToArray(), Hidden, 4)]);
            output = m.Node("Add", [output, m.Node("Reshape", [colour, m.Constant([-1L, 4L, 1L, 1L], 4)])]);
        }
        if (convChannels > 0)
        {
            output = m.Node("Add", [output, m.Node("Mul", [Convolutions(m, F("sample"), 4, convChannels, 4), m.Constant([1e-6f], 1)])]);
        }
        if (fp16)
        {
            m.Node("Cast", [output], "out_sample", ("to", OnnxModelBuilder.TensorFloat16));
        }
        else
        {
            m.Node("Identity", [output], "out_sample");
        }
        return m;
    }

    private static string Convolutions(OnnxModelBuilder m, string input, int inputs, int width, int outputs)
    {
        var c1 = m.Node("Relu", [m.Node("Conv", [input, Weights(m, width, inputs)], attributes: ("pads", new long[] { 1, 1, 1, 1 }))]);
        var c2 = m.Node("Relu", [m.Node("Conv", [c1, Weights(m, width, width)], attributes: ("pads", new long[] { 1, 1, 1, 1 }))]);
        return m.Node("Conv", [c2, Weights(m, outputs, width)], attributes: ("pads", new long[] { 1, 1, 1, 1 }));
    }

    private static string Weights(OnnxModelBuilder m, int outputs, int inputs) =>
        m.Constant(Enumerable.Range(0, outputs * inputs * 9).Select(i => MathF.Sin(i * 0.61f) * 0.1f).ToArray(), outputs, inputs, 3, 3);

    public static OnnxModelBuilder VaeDecoder(int convChannels = 0)
    {
        var m = new OnnxModelBuilder("vae_decoder")
            .Input("latent_sample", OnnxModelBuilder.TensorFloat, "batch", 4, "height", "width")
            .Output("sample", OnnxModelBuilder.TensorFloat, "batch", 3, "pixel_height", "pixel_width");
        var unscaled = m.Node("Mul", ["latent_sample", m.Constant([(float)SdTurboPipeline.VaeScaling], 1)]);
        var rgb = m.Node("Tanh", [m.Node("Conv", [unscaled, m.Constant([0.6f, 0.2f, 0f, 0.1f, 0f, 0.6f, 0.2f, 0.1f, 0.2f, 0f, 0.6f, 0.1f], 3, 4, 1, 1)])]);
        if (convChannels == 0)
        {
            m.Node("Resize", [rgb, "", m.Constant([1f, 1f, 8f, 8f], 4)], "sample", ("mode", "nearest"));
            return m;
        }
        // The real decoder's work is at full resolution: convolutions over the upscaled picture.
        var large = m.Node("Resize", [rgb, "", m.Constant([1f, 1f, 8f, 8f], 4)], attributes: ("mode", "nearest"));
        m.Node("Add", [large, m.Node("Mul", [Convolutions(m, large, 3, convChannels, 3), m.Constant([1e-6f], 1)])], "sample");
        return m;
    }
}
