using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Composition;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;
using ViralForge.Gpu.Worker;

namespace ViralForge.Bench;

/// <summary>
/// Composition overhead: the Compose stage on a 30 s short (8 normalised clips, narration, music,
/// label, two-pass loudness) against the ideal: one ffmpeg encode of 30 s of 1080x1920 test source
/// with the same encoder settings. Alternated, median of three each.
/// </summary>
internal static class ComposeBench
{
    /// <summary>A 30 s short's inputs (8 clips, narration, a music bed) and the stage that composes them.</summary>
    internal sealed record Short(ComposeStage Stage, Ffmpeg Ffmpeg, ScriptDocument Script, IReadOnlyList<(string Clip, string Voice, double Spoken)> Scenes)
    {
        public StageContext Context(IReadOnlyList<StageInput> inputs, string work, long run) => new()
        {
            Run = new StageRun { Id = run, Stage = StageKind.Compose },
            Video = new Video { Title = Script.Title, ScriptJson = Script.ToJson() },
            Script = Script,
            Parameters = new JsonObject { ["transition"] = "cut", ["music"] = "bed.mp3" },
            Inputs = inputs,
            WorkFolder = Directory.CreateDirectory(work).FullName,
            Progress = new Progress<double>(),
        };

        public static string Info(double spoken) => $"{{\"seconds\":{spoken.ToString(CultureInfo.InvariantCulture)}}}";
    }

    internal static async Task<Short> PrepareAsync(string root)
    {
        var options = new MediaOptions();
        var ffmpeg = new Ffmpeg(Options.Create(options));
        var music = Directory.CreateDirectory(Path.Combine(root, "music")).FullName;
        const int scenes = 8;
        const double seconds = 3.75;
        var script = new ScriptDocument
        {
            Title = "Compose benchmark",
            Scenes = Enumerable.Range(1, scenes).Select(i => new SceneScript { Narration = $"This is scene {i} of the benchmark.", Visual = "v", DurationSeconds = seconds }).ToList(),
        };
        var files = new List<(string, string, double)>();
        for (var i = 0; i < scenes; i++)
        {
            var clip = Path.Combine(root, $"clip{i}.mp4");
            await ffmpeg.RunAsync(["-f", "lavfi", "-i", $"testsrc2=s=1080x1920:r=30:d={seconds.ToString(CultureInfo.InvariantCulture)}", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
                "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", clip], 0, null, CancellationToken.None);
            var raw = Path.Combine(root, $"raw{i}.wav");
            await ProcessRunner.RunAsync("espeak-ng", ["-w", raw, script.Scenes[i].Narration], TimeSpan.FromSeconds(30), CancellationToken.None);
            var voice = Path.Combine(root, $"voice{i}.wav");
            await ffmpeg.RunAsync(["-i", raw, "-ar", "48000", "-ac", "1", voice], 0, null, CancellationToken.None);
            files.Add((clip, voice, (await ffmpeg.ProbeAsync(voice, CancellationToken.None)).Seconds));
        }
        await ffmpeg.RunAsync(["-f", "lavfi", "-i", "sine=frequency=220:duration=40", "-c:a", "libmp3lame", Path.Combine(music, "bed.mp3")], 0, null, CancellationToken.None);
        var stage = new ComposeStage(ffmpeg, new GpuWorker(TimeProvider.System, NullLogger<GpuWorker>.Instance),
            new EncoderSelector(ffmpeg, NullLogger<EncoderSelector>.Instance), new LoudnessPass(ffmpeg), new MusicLibrary(Options.Create(new MediaOptions { MusicPath = music }), ffmpeg));
        return new Short(stage, ffmpeg, script, files);
    }

    public static async Task RunAsync(string scratch)
    {
        var root = Directory.CreateDirectory(Path.Combine(scratch, "bench-compose")).FullName;
        var shortFilm = await PrepareAsync(root);
        var (stage, ffmpeg) = (shortFilm.Stage, shortFilm.Ffmpeg);
        var inputs = new List<StageInput>();
        for (var i = 0; i < shortFilm.Scenes.Count; i++)
        {
            inputs.Add(new StageInput(StageKind.Clips, i, [Artifact("clip", shortFilm.Scenes[i].Clip, null)], root));
            inputs.Add(new StageInput(StageKind.Narration, i, [Artifact("narration", shortFilm.Scenes[i].Voice, Short.Info(shortFilm.Scenes[i].Spoken))], root));
        }
        var encoder = await new EncoderSelector(ffmpeg, NullLogger<EncoderSelector>.Instance).GetAsync(CancellationToken.None);

        var compose = new List<double>();
        var ideal = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            var work = Path.Combine(root, $"work{round}");
            var sw = Stopwatch.StartNew();
            await stage.ExecuteAsync(shortFilm.Context(inputs, work, round), CancellationToken.None);
            compose.Add(sw.Elapsed.TotalSeconds);

            sw.Restart();
            await ffmpeg.RunAsync(["-f", "lavfi", "-i", "testsrc2=s=1080x1920:r=30:d=30", "-f", "lavfi", "-i", "sine=frequency=440:duration=30",
                .. encoder.Arguments, "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart", Path.Combine(work, "ideal.mp4")], 30, null, CancellationToken.None);
            ideal.Add(sw.Elapsed.TotalSeconds);
        }
        compose.Sort();
        ideal.Sort();
        Console.WriteLine(FormattableString.Invariant($"compose 30 s short: {compose[1]:0.00} s; ideal single encode: {ideal[1]:0.00} s ({encoder.Name}, medians of 3)"));
        BenchSupport.Bench("compose_vs_ideal_encode", compose[1] / ideal[1], "x", "<=1.25");
    }

    private static Artifact Artifact(string kind, string key, string? info) =>
        new() { Kind = kind, StoreKey = Path.GetFileName(key), ContentType = "application/octet-stream", Sha256 = key, MediaInfoJson = info };
}
