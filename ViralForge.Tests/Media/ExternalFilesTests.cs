using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Composition;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Storage;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.Svd;
using ViralForge.Gpu.Voices;
using ViralForge.Gpu.Worker;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Media;

/// <summary>Files stages read from outside the artifact store (models, voices, music) count as inputs: replacing one is noticed.</summary>
public sealed class ExternalFilesTests
{
    private static readonly Ffmpeg Ffmpeg = new(Options.Create(new MediaOptions()));

    private static void Touch(string path) => File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddMinutes(5));

    [Fact]
    public void Replaced_svd_models_change_the_stamp_and_are_loaded_again()
    {
        var models = TinySvdModels.Write(Path.Combine(TestEnvironment.NewFolder("svd-stamp"), "models"));
        var provider = new OnnxProvider(Options.Create(new GpuOptions()), NullLogger<OnnxProvider>.Instance);
        using var generator = new SvdClipGenerator(Options.Create(new GpuOptions { SvdModelsPath = models }), provider, Ffmpeg, new EncoderSelector(Ffmpeg, NullLogger<EncoderSelector>.Instance), NullLogger<SvdClipGenerator>.Instance);
        var before = generator.Status.ModelStamp;
        Assert.Contains("unet.onnx:", before, StringComparison.Ordinal);
        var loaded = generator.Models();
        Assert.Same(loaded, generator.Models());

        Touch(Path.Combine(models, SvdModels.UnetFile));
        Assert.NotEqual(before, generator.Status.ModelStamp);
        Assert.NotSame(loaded, generator.Models());
    }

    [Fact]
    public async Task A_replaced_piper_voice_changes_its_stamp_and_still_speaks()
    {
        var folder = TestEnvironment.NewFolder("piper-stamp");
        TinyPiperVoice.Write(folder);
        using var piper = new PiperSpeechEngine(Options.Create(new MediaOptions { VoicesPath = folder }), NullLogger<PiperSpeechEngine>.Instance);
        var style = new SpeechStyle("piper:tiny", 165, 50, false, 0);
        var first = await piper.SpeakAsync(new RewrittenText("Hello there.", []), style, CancellationToken.None);
        var before = piper.ModelStamp("piper:tiny");

        TinyPiperVoice.Write(folder);
        Touch(Path.Combine(folder, "tiny.onnx"));
        Assert.NotEqual(before, piper.ModelStamp("piper:tiny"));
        var again = await piper.SpeakAsync(new RewrittenText("Hello there.", []), style, CancellationToken.None);
        Assert.Equal(first.Samples.Length, again.Samples.Length);
        Assert.Null(((ISpeechEngine)new EspeakSpeechEngine()).ModelStamp("en-us"));
        Assert.Throws<ArgumentException>(() => piper.ModelStamp("piper:../escape"));
    }

    [Fact]
    public async Task A_narrations_inputs_carry_its_piper_voice_files_and_none_for_espeak()
    {
        var folder = TestEnvironment.NewFolder("narration-stamp");
        TinyPiperVoice.Write(folder);
        var media = new MediaOptions { VoicesPath = folder };
        using var piper = new PiperSpeechEngine(Options.Create(media), NullLogger<PiperSpeechEngine>.Instance);
        var db = await TestEnvironment.CreateMigratedDatabaseAsync("narstamp");
        var storage = new StorageOptions { ArtifactsPath = Path.Combine(folder, "artifacts"), WorkPath = Path.Combine(folder, "work") };
        var store = new ArtifactStore(Options.Create(storage), new LocalArtifactBackend(storage.ArtifactsPath));
        var stage = new NarrationStage(Ffmpeg, db, new VoiceCatalog([new EspeakSpeechEngine(), piper]), new CandidateChoices(db, store), Options.Create(media),
            new ViralForge.Core.Narration.Alignment.PocketSphinxAligner(Options.Create(new ViralForge.Core.Narration.Alignment.AlignmentOptions()), NullLogger<ViralForge.Core.Narration.Alignment.PocketSphinxAligner>.Instance));
        var script = TestScripts.Brief();
        ValueTask<string?> Inputs(string voice) => stage.ExternalInputsAsync(
            new StageRun { Stage = StageKind.Narration, SceneIndex = 0, ParametersJson = $$"""{"voice":"{{voice}}"}""" }, script, CancellationToken.None);

        Assert.Null(await Inputs("en-us"));
        var before = await Inputs("piper:tiny");
        Assert.Contains("tiny.onnx:", before, StringComparison.Ordinal);
        Touch(Path.Combine(folder, "tiny.onnx.json"));
        Assert.NotEqual(before, await Inputs("piper:tiny"));
    }

    [Fact]
    public async Task A_replaced_music_track_changes_the_compose_runs_inputs()
    {
        var folder = TestEnvironment.NewFolder("music-stamp");
        var library = new MusicLibrary(Options.Create(new MediaOptions { MusicPath = folder }), Ffmpeg);
        var track = Path.Combine(folder, "bed.mp3");
        await Ffmpeg.RunAsync(["-f", "lavfi", "-i", "sine=frequency=220:duration=2", track], 0, null, CancellationToken.None);
        var stage = new ComposeStage(Ffmpeg, new GpuWorker(TimeProvider.System, NullLogger<GpuWorker>.Instance),
            new EncoderSelector(Ffmpeg, NullLogger<EncoderSelector>.Instance), new LoudnessPass(Ffmpeg), library);
        var script = TestScripts.Brief();
        ValueTask<string?> Inputs(string parameters) =>
            stage.ExternalInputsAsync(new StageRun { Stage = StageKind.Compose, VideoId = Guid.NewGuid(), ParametersJson = parameters }, script, CancellationToken.None);

        var named = await Inputs("""{"music":"bed.mp3"}""");
        Assert.StartsWith("bed.mp3:", named, StringComparison.Ordinal);
        Assert.Equal(named, await Inputs("{}")); // "random" from a library of one

        await Ffmpeg.RunAsync(["-f", "lavfi", "-i", "sine=frequency=330:duration=3", "-y", track], 0, null, CancellationToken.None);
        Assert.NotEqual(named, await Inputs("""{"music":"bed.mp3"}"""));
        Assert.Null(await Inputs("""{"music":"none"}"""));
        Assert.Null(await Inputs("""{"music":"missing.mp3"}""")); // the run itself refuses it, with the reason
    }
}
