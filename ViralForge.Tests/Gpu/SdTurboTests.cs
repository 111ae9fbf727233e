using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Keyframes.Generated;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.TextToImage;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Gpu;

/// <summary>SD-Turbo text-to-image over ONNX Runtime, on tiny models with the real export's layout and signatures.</summary>
public sealed class SdTurboTests
{
    private static OnnxProvider Provider() => new(Options.Create(new GpuOptions()), NullLogger<OnnxProvider>.Instance);

    private static ClipTokenizer Tokenizer(string folder) => ClipTokenizer.Load(Path.Combine(TinySdTurbo.Write(folder), "tokenizer"));

    [Fact]
    public void The_tokenizer_gives_the_ids_of_clips_byte_pair_rules()
    {
        var tokenizer = Tokenizer(TestEnvironment.NewFolder("clip-tokenizer"));
        // start, "a</w>", "photo</w>" (four merges in rank order), "o" "f</w>" (no merge), "a</w>", "cat</w>", end, then SD 2's "!" padding.
        var ids = tokenizer.Encode("A  photo of\ta CAT");
        Assert.Equal(77, ids.Length);
        Assert.Equal([60, 26, 62, 14, 31, 26, 63, 61], ids[..8]);
        Assert.All(ids[8..], id => Assert.Equal(64, id));
        // Punctuation is its own piece; a word's UTF-8 bytes go through CLIP's byte alphabet ("é" is bytes C3 A9 → "Ã", "©</w>"),
        // and merges apply inside it ("c a" → "ca", but "ca f" is no merge).
        Assert.Equal([60, 63, 67, 71, 5, 65, 66, 61], tokenizer.Encode("cat! café")[..8]);
        // A long prompt is cut to 75 tokens between start and end.
        var longIds = tokenizer.Encode(string.Join(' ', Enumerable.Repeat("a", 120)));
        Assert.Equal(60, longIds[0]);
        Assert.All(longIds[1..76], id => Assert.Equal(26, id));
        Assert.Equal(61, longIds[76]);
        // Without special_tokens_map.json (SD 1.x style) the end token pads.
        var sd1 = TestEnvironment.NewFolder("clip-tokenizer-sd1");
        TinySdTurbo.Write(sd1, sd2Padding: false);
        Assert.Equal(61, ClipTokenizer.Load(Path.Combine(sd1, "tokenizer")).Encode("cat")[^1]);
    }

    [Fact]
    public void Known_clip_ids_come_out_for_a_sample_prompt()
    {
        // CLIP's published ids for "a photo of a cat": start 49406, a 320, photo 1125, of 539, cat 2368, end 49407.
        // The vocabulary holds those entries at their real ids, the merges the pairs that build them.
        var vocab = new Dictionary<string, int>
        {
            ["<|startoftext|>"] = 49406, ["<|endoftext|>"] = 49407, ["a</w>"] = 320, ["photo</w>"] = 1125, ["of</w>"] = 539, ["cat</w>"] = 2368,
        };
        string[] merges = ["p h", "o t", "ph ot", "phot o</w>", "o f</w>", "c a", "ca t</w>"];
        var tokenizer = new ClipTokenizer(JsonSerializer.Serialize(vocab), "#version: 0.2\n" + string.Join('\n', merges));
        Assert.Equal([49406, 320, 1125, 539, 320, 2368, 49407, 49407], tokenizer.Encode("a photo of a cat")[..8]);
    }

    [Fact]
    public void The_schedule_is_sd_turbos_trailing_euler_ancestral()
    {
        var scheduler = TurboScheduler.Load(Path.Combine(TinySdTurbo.Write(TestEnvironment.NewFolder("turbo-schedule")), "scheduler", "scheduler_config.json"));
        Assert.Equal([999], scheduler.Timesteps(1));
        Assert.Equal([999, 749, 499, 249], scheduler.Timesteps(4));
        // Stable Diffusion's largest sigma with scaled-linear betas 0.00085–0.012.
        Assert.Equal(14.6146, scheduler.Sigma(999), 3);
        Assert.False(scheduler.VPrediction);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_same_seed_draws_the_same_picture_and_another_seed_or_prompt_another(bool fp16Unet)
    {
        var folder = TinySdTurbo.Write(TestEnvironment.NewFolder("turbo-seed"), fp16Unet, latentHeight: 16, latentWidth: 9);
        using var models = new SdTurboModels(folder, Provider().CreateSessionOptions);
        Assert.Equal((16, 9), models.FixedLatentSize);
        var pipeline = new SdTurboPipeline(models);
        // The planes are the pipeline's buffer until its next picture: each is copied before the next.
        var first = pipeline.Generate("a photo of a cat", 7, 1, 128, 72, CancellationToken.None);
        var firstPlanes = first.Planes.ToArray();
        var again = pipeline.Generate("a photo of a cat", 7, 1, 128, 72, CancellationToken.None).Planes.ToArray();
        var otherSeed = pipeline.Generate("a photo of a cat", 8, 1, 128, 72, CancellationToken.None).Planes.ToArray();
        var otherPrompt = pipeline.Generate("a photo", 7, 1, 128, 72, CancellationToken.None).Planes.ToArray();
        var steps = pipeline.Generate("a photo of a cat", 7, 4, 128, 72, CancellationToken.None).Planes.ToArray();
        Assert.Equal((72, 128, 72 * 128 * 3), (first.Width, first.Height, firstPlanes.Length));
        Assert.Equal(firstPlanes, again);
        Assert.NotEqual(firstPlanes, otherSeed);
        Assert.NotEqual(firstPlanes, otherPrompt);
        Assert.NotEqual(firstPlanes, steps);
        // A picture, not a flat fill: the noise left in after one step shows as different blocks.
        Assert.True(firstPlanes.Distinct().Count() > 20);
        Assert.True(first.Timings.InRun > TimeSpan.Zero && first.Timings.InRun <= first.Timings.Total);
        Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Generate("cat", 1, 5, 128, 72, CancellationToken.None));
    }

    [Fact]
    public void An_sdxl_turbo_export_is_conditioned_on_both_encoders_next_to_last_layers_and_its_pooled_prompt()
    {
        var folder = TinySdTurbo.WriteXl(TestEnvironment.NewFolder("turbo-xl"));
        Assert.True(SdTurboModels.Present(folder));
        using var models = new SdTurboModels(folder, Provider().CreateSessionOptions);
        Assert.True(models.IsXl);
        Assert.Equal(("hidden_states.1", "hidden_states.1"), (models.HiddenOutput, models.Hidden2Output));
        Assert.Equal(0.13025, models.VaeScaling);
        var pipeline = new SdTurboPipeline(models);
        var first = pipeline.Generate("a photo of a cat", 5, 2, 64, 64, CancellationToken.None).Planes.ToArray();
        var again = pipeline.Generate("a photo of a cat", 5, 2, 64, 64, CancellationToken.None).Planes.ToArray();
        var otherPrompt = pipeline.Generate("a cat", 5, 2, 64, 64, CancellationToken.None).Planes.ToArray();
        Assert.Equal(first, again);
        Assert.NotEqual(first, otherPrompt);

        // Without its layers' hidden states the export cannot condition SDXL, and says so.
        var bare = TinySdTurbo.WriteXl(TestEnvironment.NewFolder("turbo-xl-bare"), withLayers: false);
        Assert.Contains("hidden states", Assert.Throws<InvalidDataException>(() => new SdTurboModels(bare, Provider().CreateSessionOptions)).Message);
    }

    [Fact]
    public void A_model_of_another_signature_is_refused_in_words()
    {
        var folder = TinySdTurbo.Write(TestEnvironment.NewFolder("turbo-wrong"));
        TinySdTurbo.Unet(false, withHiddenStates: false).Save(Path.Combine(folder, SdTurboModels.UnetFile));
        var wrong = Assert.Throws<InvalidDataException>(() => new SdTurboModels(folder, Provider().CreateSessionOptions));
        Assert.Contains("unet/model.onnx lacks encoder_hidden_states; it is not an SD-Turbo unet export", wrong.Message);

        // An SD 2 UNet beside SDXL's second encoder lacks SDXL's conditioning inputs.
        var mixed = TinySdTurbo.WriteXl(TestEnvironment.NewFolder("turbo-mixed"));
        TinySdTurbo.Unet(false).Save(Path.Combine(mixed, SdTurboModels.UnetFile));
        Assert.Contains("lacks text_embeds, time_ids; it is not an SDXL-Turbo unet export", Assert.Throws<InvalidDataException>(() => new SdTurboModels(mixed, Provider().CreateSessionOptions)).Message);
    }

    [Fact]
    public async Task Models_installed_later_are_used_and_a_keyframe_meets_the_spec()
    {
        var data = TestEnvironment.NewFolder("turbo-keyframe");
        var models = Path.Combine(data, "models");
        var ffmpeg = new Ffmpeg(Options.Create(new MediaOptions()));
        using var generator = new SdTurboImageGenerator(Options.Create(new GpuOptions { TextToImageModelsPath = models }), Provider(), ffmpeg, NullLogger<SdTurboImageGenerator>.Instance);
        Assert.False(generator.Status.Available);
        Assert.Contains("No text-to-image model", generator.Status.Description);

        TinySdTurbo.Write(models);
        Assert.True(generator.Status.Available, generator.Status.Description);
        Assert.Equal("sd-turbo-onnx-cpu", generator.Status.Engine);
        var output = Path.Combine(data, "keyframe.png");
        await generator.GenerateAsync(new TextToImageRequest("a photo of a cat", 3, 1, output, data), CancellationToken.None);
        var probe = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height", "-of", "json", output], TimeSpan.FromSeconds(30), CancellationToken.None);
        var stream = JsonDocument.Parse(probe.StdOut).RootElement.GetProperty("streams")[0];
        Assert.Equal(("png", 1080, 1920), (stream.GetProperty("codec_name").GetString(), stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32()));
        // Drawn at the default portrait size where the export fixes none.
        Assert.Null(generator.Loaded!.FixedLatentSize);
        Assert.NotNull(generator.LastTimings);

        // A replaced model is loaded again, and a broken one is a permanent, plain failure.
        File.WriteAllText(Path.Combine(models, SdTurboModels.UnetFile), "not a model");
        var broken = await Assert.ThrowsAsync<PermanentStageException>(() => generator.GenerateAsync(new TextToImageRequest("cat", 3, 1, output, data), CancellationToken.None));
        Assert.Contains("cannot be used", broken.Message);
    }
}
