using System.Globalization;
using System.Text.Json;

namespace ViralForge.Core.Media;

public enum MediaKind
{
    Image,
    Video,
}

/// <summary>What a probed input is, in the terms normalisation needs.</summary>
public sealed record InputMedia(
    MediaKind Kind, int Width, int Height, int Rotation, double Fps, bool VariableFrameRate, double Seconds,
    string VideoCodec, string PixelFormat, bool HasAudio, int AudioChannels, int SampleRate)
{
    /// <summary>Width and height as displayed, after rotation metadata is applied.</summary>
    public (int Width, int Height) Displayed => Math.Abs(Rotation) % 180 == 90 ? (Height, Width) : (Width, Height);
}

/// <summary>An input that cannot be used, with what is wrong and what to do about it.</summary>
public sealed class MediaRejectedException(string reason) : Exception(reason);

/// <summary>Probes an input once (ffprobe) and decides whether it can be normalised, before any work is spent on it.</summary>
public sealed class MediaInspector(Ffmpeg ffmpeg)
{
    public const int MinSide = 64;
    public const int MaxSide = 8192;
    public const double MaxSeconds = 600;

    private static readonly HashSet<string> ImageCodecs = ["png", "mjpeg", "bmp", "tiff", "webp", "jpeg2000", "gif", "jpegls", "qoi"];

    public async Task<InputMedia> InspectAsync(string path, CancellationToken ct)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
        {
            throw new MediaRejectedException("The file is empty. Upload the image or video again.");
        }
        var probe = await ProbeAsync(path, ct);
        var streams = probe.TryGetProperty("streams", out var list) ? list.EnumerateArray().ToList() : [];
        var video = streams.FirstOrDefault(st => Str(st, "codec_type") == "video" && !IsAttachedPicture(st));
        var audio = streams.FirstOrDefault(st => Str(st, "codec_type") == "audio");
        if (video.ValueKind != JsonValueKind.Object)
        {
            throw new MediaRejectedException(audio.ValueKind == JsonValueKind.Object
                ? "This file has sound but no picture. Upload a video or an image for the scene; narration comes from the script."
                : "No picture was found in this file. Upload an image or a video.");
        }
        var (width, height) = (Int(video, "width"), Int(video, "height"));
        if (width < MinSide || height < MinSide)
        {
            throw new MediaRejectedException($"The picture is {width}x{height}; it needs at least {MinSide} pixels on each side (1080x1920 is ideal).");
        }
        if (width > MaxSide || height > MaxSide)
        {
            throw new MediaRejectedException($"The picture is {width}x{height}; the largest accepted is {MaxSide} pixels on a side. Scale it down first.");
        }

        var codec = Str(video, "codec_name") ?? "unknown";
        var format = probe.TryGetProperty("format", out var f) ? f : default;
        var formatName = Str(format, "format_name") ?? "";
        var seconds = Double(format, "duration");
        // A still: an image codec in an image container, or a single-frame GIF.
        var isImage = ImageCodecs.Contains(codec)
            && (formatName.Contains("image2", StringComparison.Ordinal) || formatName.EndsWith("_pipe", StringComparison.Ordinal) || seconds <= 0.1);
        if (!isImage && seconds <= 0)
        {
            throw new MediaRejectedException("The video has no duration, so it is probably truncated. Export it again.");
        }
        if (!isImage && seconds > MaxSeconds)
        {
            throw new MediaRejectedException($"The video lasts {seconds:0} s; upload at most {MaxSeconds / 60:0} minutes (a scene uses 2–4 s of it).");
        }
        var avg = Rate(Str(video, "avg_frame_rate"));
        var real = Rate(Str(video, "r_frame_rate"));
        var hasAudio = audio.ValueKind == JsonValueKind.Object;
        return new InputMedia(
            isImage ? MediaKind.Image : MediaKind.Video,
            width, height, Rotation(video),
            avg > 0 ? avg : real,
            VariableFrameRate: avg > 0 && real > 0 && Math.Abs(avg - real) > 0.01 * real,
            Seconds: isImage ? 0 : seconds,
            codec, Str(video, "pix_fmt") ?? "unknown",
            hasAudio, hasAudio ? Int(audio, "channels") : 0, hasAudio ? (int)Double(audio, "sample_rate") : 0);
    }

    private async Task<JsonElement> ProbeAsync(string path, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(ffmpeg.Options.FfprobePath,
            ["-v", "error", "-show_streams", "-show_format", "-of", "json", path], TimeSpan.FromSeconds(60), ct);
        try
        {
            var root = JsonDocument.Parse(result.StdOut).RootElement;
            if (result.ExitCode == 0 && root.TryGetProperty("format", out _))
            {
                return root;
            }
        }
        catch (JsonException)
        {
        }
        throw new MediaRejectedException("This is not an image or video that can be read (it may be truncated, corrupt, or another kind of file). Export it again as MP4 (H.264), MOV, WebM, PNG or JPEG.");
    }

    /// <summary>Rotation from the display matrix (current ffmpeg) or the legacy "rotate" tag, as 0, 90, 180 or 270.</summary>
    private static int Rotation(JsonElement video)
    {
        double degrees = 0;
        if (video.TryGetProperty("side_data_list", out var sides))
        {
            foreach (var side in sides.EnumerateArray())
            {
                if (side.TryGetProperty("rotation", out var r) && r.TryGetDouble(out var d))
                {
                    degrees = d;
                }
            }
        }
        else if (video.TryGetProperty("tags", out var tags) && Str(tags, "rotate") is { } tag)
        {
            double.TryParse(tag, NumberStyles.Float, CultureInfo.InvariantCulture, out degrees);
        }
        return ((int)Math.Round(degrees / 90) * 90 % 360 + 360) % 360;
    }

    private static bool IsAttachedPicture(JsonElement stream) =>
        stream.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var a) && a.TryGetInt32(out var v) && v == 1;

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : 0;

    private static double Double(JsonElement e, string name) =>
        double.TryParse(Str(e, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;

    private static double Rate(string? fraction)
    {
        var parts = fraction?.Split('/') ?? [];
        return parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 ? n / d : 0;
    }

}
