using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Composition;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Worker;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Media;

/// <summary>The Compose stage for real: espeak narration, a music bed, mixed transitions; the output is measured.</summary>
public sealed class CompositionTests
{
    private static readonly MediaOptions Options = new() { X264Preset = "ultrafast" };
    private static readonly Ffmpeg Ffmpeg = new(Microsoft.Extensions.Options.Options.Create(Options));

    [Fact]
    public async Task The_final_cut_has_its_transitions_music_label_metadata_and_platform_loudness()
    {
        var root = TestEnvironment.NewFolder("compose");
        var musicFolder = Directory.CreateDirectory(Path.Combine(root, "music")).FullName;
        var inputs = new List<StageInput>();
        var script = TestScripts.Brief();
        for (var i = 0; i < script.Scenes.Count; i++)
        {
            // Mid-grey clips, so the white label text stands out where it is drawn.
            var clip = $"clip{i}.mp4";
            await Ffmpeg.RunAsync(["-f", "lavfi", "-i", "color=c=0x808080:s=1080x1920:r=30:d=2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", Path.Combine(root, clip)], 0, null, CancellationToken.None);
            var raw = Path.Combine(root, $"raw{i}.wav");
            var spoken = await EspeakLibrary.SpeakAsync(script.Scenes[i].Narration, "en-us", 165, 50, CancellationToken.None);
            await EspeakLibrary.WriteWavAsync(raw, spoken, CancellationToken.None);
            var voice = $"voice{i}.wav";
            await Ffmpeg.RunAsync(["-i", raw, "-ar", "48000", "-ac", "1", Path.Combine(root, voice)], 0, null, CancellationToken.None);
            var narrationInfo = JsonSerializer.Serialize(new { seconds = spoken.Seconds, words = spoken.Words.Select(w => new { word = w.Word, start = w.Start, end = w.End }) });
            inputs.Add(new StageInput(StageKind.Clips, i, [Artifact("clip", clip, null)], root));
            inputs.Add(new StageInput(StageKind.Narration, i, [Artifact("narration", voice, narrationInfo)], root));
        }
        await Ffmpeg.RunAsync(["-f", "lavfi", "-i", "sine=frequency=220:duration=6,volume=0.8", "-f", "lavfi", "-i", "sine=frequency=330:duration=6",
            "-filter_complex", "[0:a][1:a]amix=inputs=2", "-c:a", "libmp3lame", Path.Combine(musicFolder, "bed.mp3")], 0, null, CancellationToken.None);

        var stage = new ComposeStage(Ffmpeg, new GpuWorker(TimeProvider.System, NullLogger<GpuWorker>.Instance),
            new EncoderSelector(Ffmpeg, NullLogger<EncoderSelector>.Instance), new LoudnessPass(Ffmpeg),
            new MusicLibrary(Microsoft.Extensions.Options.Options.Create(new MediaOptions { MusicPath = musicFolder }), Ffmpeg));
        // A work folder with every character the filter graph treats specially: the label and captions name files in it.
        var work = Directory.CreateDirectory(Path.Combine(root, "work: take 2, [final]; it's")).FullName;
        var context = new StageContext
        {
            Run = new StageRun { Id = 1, Stage = StageKind.Compose },
            Video = new Video { Title = script.Title, ScriptJson = script.ToJson() },
            Script = script,
            Parameters = new JsonObject { ["transitions"] = new JsonArray("fade", "cut", "slideleft"), ["music"] = "bed.mp3" },
            Inputs = inputs,
            WorkFolder = work,
            Progress = new Progress<double>(),
        };
        var outcome = await stage.ExecuteAsync(context, CancellationToken.None);
        var final = outcome.Files.Single(f => f.Kind == "final");
        var info = JsonDocument.Parse(final.MediaInfoJson!).RootElement;
        Assert.Equal("libx264", info.GetProperty("encoder").GetString());
        // CI has no GPU: either the build lacks NVENC or a real test encode proved it unusable, and the reason says which.
        Assert.Matches("has no h264_nvenc|cannot encode here", info.GetProperty("encoderReason").GetString());
        Assert.Equal("bed.mp3", info.GetProperty("music").GetString());
        Assert.Equal(["fade", "cut", "slideleft"], info.GetProperty("transitions").EnumerateArray().Select(t => t.GetString()));

        // Delivery spec and length: the two transitions overlap their scenes by 0.3 s each.
        var sceneSeconds = info.GetProperty("sceneSeconds").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var expected = sceneSeconds.Sum() - 0.6;
        var probe = JsonDocument.Parse((await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-of", "json", final.Path], TimeSpan.FromSeconds(30), CancellationToken.None)).StdOut).RootElement;
        var format = probe.GetProperty("format");
        Assert.InRange(double.Parse(format.GetProperty("duration").GetString()!, CultureInfo.InvariantCulture), expected - 0.1, expected + 0.1);
        var streams = probe.GetProperty("streams").EnumerateArray().ToList();
        var v = streams.Single(s => s.GetProperty("codec_type").GetString() == "video");
        var a = streams.Single(s => s.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal(("h264", 1080, 1920, "30/1", "yuv420p"), (v.GetProperty("codec_name").GetString(), v.GetProperty("width").GetInt32(), v.GetProperty("height").GetInt32(), v.GetProperty("avg_frame_rate").GetString(), v.GetProperty("pix_fmt").GetString()));
        Assert.Equal(("aac", "48000", 2), (a.GetProperty("codec_name").GetString(), a.GetProperty("sample_rate").GetString(), a.GetProperty("channels").GetInt32()));

        // AI-content metadata in the container.
        var tags = format.GetProperty("tags");
        Assert.Contains("AI-generated", tags.GetProperty("comment").GetString());
        Assert.Equal("true", tags.GetProperty("ai_generated").GetString());

        // Loudness: within 1 LU of −14 LUFS integrated, true peak at most −1 dBTP (0.5 dB tolerance for the AAC encode).
        var (integrated, measuredPeak) = await EbuR128.MeasureAsync(final.Path, truePeak: true);
        var peak = measuredPeak!.Value;
        Assert.InRange(integrated, -15, -13);
        Assert.True(peak <= -0.5, $"True peak {peak} dBFS is above the ceiling.");

        // The visible label: bright text in the top-right corner, where the grey source has none.
        var stats = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-ss", "1", "-i", final.Path, "-frames:v", "1",
            "-vf", "crop=340:80:1080-340:130,signalstats,metadata=print:key=lavfi.signalstats.YMAX", "-f", "null", "-"], TimeSpan.FromSeconds(30), CancellationToken.None);
        var ymax = int.Parse(Regex.Match(stats.StdErrTail, @"YMAX=(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(ymax > 200, $"No label text found in the corner (YMAX {ymax}).");

        // Captions: one cue per spoken word, at the word's time in the final cut, burned in above the platform UI.
        var ass = await File.ReadAllTextAsync(outcome.Files.Single(f => f.Kind == "captions").Path);
        var starts = info.GetProperty("sceneStarts").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var firstWords = Captions.WordsOf(inputs.Single(x => x.Stage == StageKind.Narration && x.SceneIndex == 1).Artifacts[0].MediaInfoJson ?? "{}");
        var cueTimes = Regex.Matches(ass, @"Dialogue: 0,(\d+):(\d\d):(\d\d\.\d\d),")
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 3600 + int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) * 60 + double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(script.Scenes.Sum(sc => sc.Narration.Split(' ').Length), cueTimes.Count);
        Assert.Contains(cueTimes, t => Math.Abs(t - (starts[1] + firstWords[0].Start)) <= 0.011);
        var spokenAt = starts[1] + (firstWords[0].Start + firstWords[0].End) / 2;
        var caption = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-ss", spokenAt.ToString("0.00", CultureInfo.InvariantCulture), "-i", final.Path, "-frames:v", "1",
            "-vf", $"crop=900:160:90:{1920 - Captions.MarginBottom - 150},signalstats,metadata=print:key=lavfi.signalstats.YMAX", "-f", "null", "-"], TimeSpan.FromSeconds(30), CancellationToken.None);
        var captionMax = int.Parse(Regex.Match(caption.StdErrTail, @"YMAX=(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(captionMax > 200, $"No caption text while a word is spoken (YMAX {captionMax}).");
    }

    [Fact]
    public async Task A_title_card_draws_a_line_with_a_percent_sign_from_a_folder_with_filter_syntax_in_its_name()
    {
        var root = TestEnvironment.NewFolder("titlecard");
        var work = Directory.CreateDirectory(Path.Combine(root, "scene: 1, [a]; it's")).FullName;
        var brief = TestScripts.Brief(scenes: 1);
        var script = brief with { Scenes = [brief.Scenes[0] with { Narration = "Save 50% today, %{pts} is not code." }] };
        var normalizer = new MediaNormalizer(Ffmpeg, new EncoderSelector(Ffmpeg, Microsoft.Extensions.Logging.Abstractions.NullLogger<EncoderSelector>.Instance));
        // No stock provider configured: the card is the default and nothing else is reached.
        var photos = new ViralForge.Core.Keyframes.Stock.StockPhotoKeyframes([], null!, null!, normalizer, null!, Microsoft.Extensions.Options.Options.Create(new ViralForge.Core.Clips.Stock.StockOptions()));
        var generated = new ViralForge.Core.Keyframes.Generated.GeneratedKeyframes(new ViralForge.Core.Keyframes.Generated.NoTextToImage(), null!);
        var stage = new ViralForge.Core.Keyframes.KeyframeStage(Ffmpeg, normalizer, photos, generated, null!, null!);
        var context = new StageContext
        {
            Run = new StageRun { Id = 1, Stage = StageKind.Keyframes, SceneIndex = 0 },
            Video = new Video { Title = script.Title, ScriptJson = script.ToJson() },
            Script = script,
            Parameters = [],
            Inputs = [],
            WorkFolder = work,
            Progress = new Progress<double>(),
        };
        var keyframe = (await stage.ExecuteAsync(context, CancellationToken.None)).Files.Single(f => f.Kind == "keyframe").Path;

        // White text in the middle band of a dark gradient; ffmpeg's drawtext draws nothing at all when % expansion fails.
        var stats = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-i", keyframe, "-frames:v", "1",
            "-vf", "crop=1080:600:0:660,signalstats,metadata=print:key=lavfi.signalstats.YMAX", "-f", "null", "-"], TimeSpan.FromSeconds(30), CancellationToken.None);
        var ymax = int.Parse(Regex.Match(stats.StdErrTail, @"YMAX=(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(ymax > 220, $"No scene text drawn on the title card (YMAX {ymax}).");
    }

    private static Artifact Artifact(string kind, string key, string? info) =>
        new() { Kind = kind, StoreKey = key, ContentType = "application/octet-stream", Sha256 = kind + key, MediaInfoJson = info };
}
