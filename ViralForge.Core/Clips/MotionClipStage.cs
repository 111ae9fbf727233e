using ViralForge.Core.Keyframes;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Clips;

/// <summary>The CPU clip: a slow zoom or pan over the keyframe, made by ffmpeg's zoompan.</summary>
public sealed class MotionClipStage(Ffmpeg ffmpeg, MediaNormalizer normalizer) : IStageHandler
{
    public const int Fps = 30;
    public static readonly string[] Motions = ["zoom-in", "zoom-out", "pan-left", "pan-right"];

    public StageKind Stage => StageKind.Clips;
    public int Version => 1;

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        if (context.Upload is not null)
        {
            return await FromUploadAsync(context, ct);
        }
        var index = context.Run.SceneIndex!.Value;
        var motion = context.Text("motion", Motions[index % Motions.Length]);
        if (!Motions.Contains(motion))
        {
            throw new PermanentStageException($"Motion '{motion}' is unknown; use one of {string.Join(", ", Motions)}.");
        }
        var seconds = context.Number("durationSeconds", context.Scene.DurationSeconds, 2, 4);
        var frames = (int)Math.Round(seconds * Fps);
        var keyframe = context.Input(StageKind.Keyframes, index).PathOf("keyframe");
        var output = context.WorkFile("clip.mp4");
        var (z, x, y) = Expressions(motion, frames);
        string[] args =
        [
            "-i", keyframe,
            // Upscaling first keeps zoompan's integer crop steps below a visible pixel.
            "-vf", $"scale={TitleCardStage.Width * 2}:{TitleCardStage.Height * 2},zoompan=z='{z}':x='{x}':y='{y}':d={frames}:s={TitleCardStage.Width}x{TitleCardStage.Height}:fps={Fps},format=yuv420p,setsar=1",
            "-frames:v", frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c:v", "libx264", "-preset", ffmpeg.Options.X264Preset, "-crf", ffmpeg.Options.Crf.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-pix_fmt", "yuv420p", "-r", Fps.ToString(System.Globalization.CultureInfo.InvariantCulture), "-an", "-movflags", "+faststart",
            output,
        ];
        await ffmpeg.RunAsync(args, seconds, context.Progress, ct);
        return StageOutcome.Produced(new ProducedFile("clip", output, "video/mp4", $$"""{"motion":"{{motion}}","seconds":{{Ffmpeg.Seconds(seconds)}},"engine":"cpu-motion"}"""));
    }

    /// <summary>The creator's own video, normalised and cut to the scene's length.</summary>
    private async Task<StageOutcome> FromUploadAsync(StageContext context, CancellationToken ct)
    {
        var media = UploadedMedia.Describe(context);
        if (media.Kind != MediaKind.Video)
        {
            throw new PermanentStageException("A clip upload must be a video; upload an image as the scene's keyframe instead.");
        }
        var seconds = context.Number("durationSeconds", context.Scene.DurationSeconds, 2, 4);
        var start = context.Number("start", 0, 0, MediaInspector.MaxSeconds);
        var output = context.WorkFile("clip.mp4");
        await normalizer.NormalizeVideoAsync(context.UploadPath!, media, UploadedMedia.Fit(context, media), start, seconds, output, context.Progress, ct);
        var info = System.Text.Json.JsonSerializer.Serialize(new { seconds, start, engine = "upload" });
        return StageOutcome.Produced(new ProducedFile("clip", output, "video/mp4", info));
    }

    private static (string Z, string X, string Y) Expressions(string motion, int frames)
    {
        var f = frames.ToString(System.Globalization.CultureInfo.InvariantCulture);
        const string centreX = "iw/2-(iw/zoom/2)";
        const string centreY = "ih/2-(ih/zoom/2)";
        return motion switch
        {
            "zoom-in" => ($"1+0.15*on/{f}", centreX, centreY),
            "zoom-out" => ($"1.15-0.15*on/{f}", centreX, centreY),
            "pan-left" => ("1.12", $"(iw-iw/zoom)*(1-on/{f})", centreY),
            _ => ("1.12", $"(iw-iw/zoom)*on/{f}", centreY),
        };
    }
}
