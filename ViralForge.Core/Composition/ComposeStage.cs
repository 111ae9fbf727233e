using System.Globalization;
using System.Text;
using System.Text.Json;
using ViralForge.Core.Clips;
using ViralForge.Core.Keyframes;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Composition;

/// <summary>
/// The final cut: every scene's clip held for as long as its narration needs, the narration
/// beneath it, an "AI-generated" label and metadata, loudness-normalised, in one encode pass.
/// </summary>
public sealed class ComposeStage(Ffmpeg ffmpeg, IGpuSlot gpu) : IStageHandler
{
    public const double TailSeconds = 0.35;
    public const string AiLabel = "AI-generated";

    public StageKind Stage => StageKind.Compose;
    public int Version => 1;

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        var scenes = new List<(string Clip, string Narration, double Seconds)>();
        for (var i = 0; i < context.Script.Scenes.Count; i++)
        {
            var narration = context.Input(StageKind.Narration, i);
            var narrationSeconds = NarrationSeconds(narration.ArtifactOf("narration").MediaInfoJson);
            var seconds = Math.Max(context.Script.Scenes[i].DurationSeconds, narrationSeconds + TailSeconds);
            scenes.Add((context.Input(StageKind.Clips, i).PathOf("clip"), narration.PathOf("narration"), seconds));
        }
        var total = scenes.Sum(s => s.Seconds);
        var labelFile = context.WorkFile("label.txt");
        await File.WriteAllTextAsync(labelFile, AiLabel, ct);
        var output = context.WorkFile("final.mp4");
        var args = new List<string>();
        foreach (var (clip, narration, _) in scenes)
        {
            args.AddRange(["-i", clip, "-i", narration]);
        }
        args.AddRange(["-filter_complex", FilterGraph(scenes.Select(s => s.Seconds).ToList(), labelFile, ffmpeg.Options.FontFile)]);
        args.AddRange(["-map", "[vout]", "-map", "[aout]"]);
        args.AddRange(["-c:v", "libx264", "-preset", ffmpeg.Options.X264Preset, "-crf", ffmpeg.Options.Crf.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["-pix_fmt", "yuv420p", "-r", "30", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2"]);
        args.AddRange(["-metadata", $"title={context.Script.Title}", "-metadata", "comment=AI-generated content (ViralForge)"]);
        args.AddRange(["-movflags", "+faststart", output]);

        await using (await gpu.AcquireAsync("final encode", context.Run.Id, ct))
        {
            await ffmpeg.RunAsync(args, total, context.Progress, ct);
        }

        var poster = context.WorkFile("poster.jpg");
        await ffmpeg.RunAsync(["-ss", Ffmpeg.Seconds(Math.Min(1, total / 2)), "-i", output, "-frames:v", "1", "-vf", "scale=540:960", "-q:v", "3", poster], 0, null, ct);
        var probe = await ffmpeg.ProbeAsync(output, ct);
        var video = probe.PrimaryVideoStream ?? throw new TransientStageException("The composed file has no video stream.");
        if (video.Width != TitleCardStage.Width || video.Height != TitleCardStage.Height || probe.PrimaryAudioStream is null)
        {
            throw new TransientStageException($"The composed file is {video.Width}x{video.Height} (audio: {probe.PrimaryAudioStream is not null}); expected {TitleCardStage.Width}x{TitleCardStage.Height} with audio.");
        }
        var info = JsonSerializer.Serialize(new
        {
            seconds = Math.Round(probe.Duration.TotalSeconds, 3),
            width = video.Width,
            height = video.Height,
            fps = Math.Round(video.AverageFrameRate, 3),
            videoCodec = video.CodecName,
            pixelFormat = video.PixelFormat,
            audioCodec = probe.PrimaryAudioStream.CodecName,
            sampleRate = probe.PrimaryAudioStream.SampleRateHz,
            sceneSeconds = scenes.Select(s => Math.Round(s.Seconds, 3)),
        });
        return StageOutcome.Produced(
            new ProducedFile("final", output, "video/mp4", info),
            new ProducedFile("poster", poster, "image/jpeg"));
    }

    internal static double NarrationSeconds(string? mediaInfoJson)
    {
        if (mediaInfoJson is null)
        {
            return 0;
        }
        using var doc = JsonDocument.Parse(mediaInfoJson);
        return doc.RootElement.TryGetProperty("seconds", out var s) ? s.GetDouble() : 0;
    }

    /// <summary>Inputs alternate clip, narration per scene.</summary>
    internal static string FilterGraph(IReadOnlyList<double> sceneSeconds, string labelFile, string fontFile)
    {
        var graph = new StringBuilder();
        var concatInputs = new StringBuilder();
        for (var i = 0; i < sceneSeconds.Count; i++)
        {
            var seconds = Ffmpeg.Seconds(sceneSeconds[i]);
            var video = i * 2;
            var audio = i * 2 + 1;
            graph.Append(CultureInfo.InvariantCulture,
                $"[{video}:v]fps={MotionClipStage.Fps},scale={TitleCardStage.Width}:{TitleCardStage.Height},setsar=1,tpad=stop_mode=clone:stop_duration={seconds},trim=duration={seconds},setpts=PTS-STARTPTS[v{i}];");
            graph.Append(CultureInfo.InvariantCulture,
                $"[{audio}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=duration={seconds},asetpts=PTS-STARTPTS[a{i}];");
            concatInputs.Append(CultureInfo.InvariantCulture, $"[v{i}][a{i}]");
        }
        graph.Append(CultureInfo.InvariantCulture, $"{concatInputs}concat=n={sceneSeconds.Count}:v=1:a=1[vc][ac];");
        graph.Append(CultureInfo.InvariantCulture,
            $"[vc]drawtext=fontfile={fontFile}:textfile={labelFile}:fontsize=34:fontcolor=white@0.9:box=1:boxcolor=black@0.45:boxborderw=12:x=w-text_w-48:y=140,format=yuv420p[vout];");
        graph.Append("[ac]loudnorm=I=-14:TP=-1:LRA=11,aresample=48000[aout]");
        return graph.ToString();
    }
}
