using System.Globalization;
using ViralForge.Core.Keyframes;

namespace ViralForge.Core.Media;

public enum FitMode
{
    /// <summary>Fill the frame, cropping what overflows.</summary>
    Cover,
    /// <summary>Show all of it, over a blurred, cropped copy of itself.</summary>
    Contain,
}

/// <summary>
/// Turns any accepted input into the delivery spec once, when it arrives: 1080x1920, 30 fps CFR,
/// yuv420p, SAR 1, rotation applied, H.264 and AAC 48 kHz stereo (silence when there is none).
/// </summary>
public sealed class MediaNormalizer(Ffmpeg ffmpeg, EncoderSelector encoders)
{
    public const int Width = KeyframeStage.Width;
    public const int Height = KeyframeStage.Height;
    public const int Fps = 30;

    public static FitMode DefaultFit(InputMedia media)
    {
        var (w, h) = media.Displayed;
        // Portrait-ish material fills the frame; landscape or square keeps everything visible.
        return (double)w / h <= 0.75 ? FitMode.Cover : FitMode.Contain;
    }

    /// <summary>A still as a 1080x1920 PNG keyframe.</summary>
    public async Task NormalizeImageAsync(string input, InputMedia media, FitMode fit, string output, CancellationToken ct)
    {
        string[] args = [.. Ffmpeg.UntrustedInput(input), "-filter_complex", FitGraph(fit, "[0:v]", "[v]"), "-map", "[v]", "-frames:v", "1", "-update", "1", output];
        await RunAsync(args, 0, null, ct);
    }

    /// <summary>A video as a clip of exactly <paramref name="seconds"/>, starting at <paramref name="startSeconds"/>; short inputs hold their last frame.</summary>
    public async Task NormalizeVideoAsync(string input, InputMedia media, FitMode fit, double startSeconds, double seconds, string output, IProgress<double>? progress, CancellationToken ct)
    {
        var start = Math.Clamp(startSeconds, 0, Math.Max(0, media.Seconds - 0.1));
        var s = Ffmpeg.Seconds(seconds);
        var graph = $"{FitGraph(fit, "[0:v]", "[fit]")};[fit]fps={Fps},tpad=stop_mode=clone:stop_duration={s},trim=duration={s},setpts=PTS-STARTPTS,format=yuv420p[v]";
        var args = new List<string> { "-ss", Ffmpeg.Seconds(start) };
        args.AddRange(Ffmpeg.UntrustedInput(input));
        if (media.HasAudio)
        {
            graph += $";[0:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=duration={s},asetpts=PTS-STARTPTS[a]";
        }
        else
        {
            args.AddRange(["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]);
            graph += $";[1:a]atrim=duration={s}[a]";
        }
        args.AddRange(["-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-t", s]);
        args.AddRange(EncodeArgs(await encoders.GetIntermediateAsync(ct)));
        args.Add(output);
        await RunAsync(args, seconds, progress, ct);
        await VerifyAsync(output, ct);
    }

    /// <summary>The output must meet the delivery spec; anything else is our bug, not the creator's file.</summary>
    private async Task VerifyAsync(string output, CancellationToken ct)
    {
        var probe = await ffmpeg.ProbeAsync(output, ct);
        var v = probe.Video;
        var a = probe.Audio;
        var ok = v is { Codec: "h264", Width: Width, Height: Height, PixelFormat: "yuv420p" } && Math.Abs(v.AverageFrameRate - Fps) < 0.01
            && a is { Codec: "aac", SampleRate: 48000, Channels: 2 };
        if (!ok)
        {
            throw new InvalidOperationException(
                $"Normalised output is off-spec: {v?.Codec} {v?.Width}x{v?.Height} {v?.PixelFormat} {v?.AverageFrameRate:0.###} fps, audio {a?.Codec} {a?.SampleRate} Hz {a?.Channels} ch.");
        }
    }

    public static IEnumerable<string> EncodeArgs(VideoEncoder encoder) =>
    [
        .. encoder.Arguments,
        "-pix_fmt", "yuv420p", "-r", Fps.ToString(CultureInfo.InvariantCulture), "-fps_mode", "cfr",
        "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart",
    ];

    /// <summary>Scale and crop (cover), or scale over a blurred background (contain), to 1080x1920 with square pixels.</summary>
    internal static string FitGraph(FitMode fit, string input, string output)
    {
        var cover = $"scale={Width}:{Height}:force_original_aspect_ratio=increase:flags=bicubic,crop={Width}:{Height}";
        return fit switch
        {
            FitMode.Cover => $"{input}setsar=1,{cover},setsar=1{output}",
            _ => $"{input}setsar=1,split=2[bg0][fg0];[bg0]{cover},boxblur=luma_radius=40:luma_power=2,eq=brightness=-0.08[bg];" +
                 $"[fg0]scale={Width}:{Height}:force_original_aspect_ratio=decrease:flags=bicubic,scale=trunc(iw/2)*2:trunc(ih/2)*2[fg];" +
                 $"[bg][fg]overlay=(W-w)/2:(H-h)/2,setsar=1{output}",
        };
    }

    private async Task RunAsync(IReadOnlyList<string> args, double seconds, IProgress<double>? progress, CancellationToken ct)
    {
        try
        {
            await ffmpeg.RunAsync(args, seconds, progress, ct);
        }
        catch (ExternalToolException ex) when (!ct.IsCancellationRequested)
        {
            throw new MediaRejectedException($"The file could not be decoded to the end ({ex.Message}). It may be truncated or corrupt; export it again.");
        }
    }
}
