
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
    /// <summary>Shorter than this is a still in a video container, not footage.</summary>
    public const double MinVideoSeconds = 0.2;

    private static readonly HashSet<string> ImageCodecs = ["png", "mjpeg", "bmp", "tiff", "webp", "jpeg2000", "gif", "jpegls", "qoi"];

    public async Task<InputMedia> InspectAsync(string path, CancellationToken ct)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
        {
            throw new MediaRejectedException("The file is empty. Upload the image or video again.");
        }
        MediaProbe probe;
        try
        {
            probe = await ffmpeg.ProbeAsync(path, ct);
        }
        catch (ExternalToolException ex) when (ex.Message.StartsWith("This kind of file is not accepted", StringComparison.Ordinal))
        {
            throw new MediaRejectedException(ex.Message + " Upload an MP4 (H.264), MOV, WebM, PNG or JPEG file.");
        }
        catch (ExternalToolException)
        {
            throw new MediaRejectedException("This is not an image or video that can be read (it may be truncated, corrupt, or another kind of file). Export it again as MP4 (H.264), MOV, WebM, PNG or JPEG.");
        }
        var video = probe.Video;
        if (video is null)
        {
            throw new MediaRejectedException(probe.Audio is not null
                ? "This file has sound but no picture. Upload a video or an image for the scene; narration comes from the script."
                : "No picture was found in this file. Upload an image or a video.");
        }
        var (width, height) = (video.Width, video.Height);
        if (width < MinSide || height < MinSide)
        {
            throw new MediaRejectedException($"The picture is {width}x{height}; it needs at least {MinSide} pixels on each side (1080x1920 is ideal).");
        }
        if (width > MaxSide || height > MaxSide)
        {
            throw new MediaRejectedException($"The picture is {width}x{height}; the largest accepted is {MaxSide} pixels on a side. Scale it down first.");
        }

        var codec = video.Codec ?? "unknown";
        var seconds = probe.Seconds;
        // A still: an image codec in an image container, or a single-frame GIF.
        var isImage = ImageCodecs.Contains(codec)
            && (probe.FormatName.Contains("image2", StringComparison.Ordinal) || probe.FormatName.EndsWith("_pipe", StringComparison.Ordinal) || seconds <= 0.1);
        if (!isImage && seconds <= 0)
        {
            throw new MediaRejectedException("The video has no duration, so it is probably truncated. Export it again.");
        }
        if (!isImage && (video.Frames is < 2 || seconds < MinVideoSeconds))
        {
            throw new MediaRejectedException($"The video is a single frame ({seconds:0.00} s); a scene needs moving picture. Upload it as an image (PNG or JPEG) instead, or a video of at least {MinVideoSeconds:0.#} s.");
        }
        if (!isImage && seconds > MaxSeconds)
        {
            throw new MediaRejectedException($"The video lasts {seconds:0} s; upload at most {MaxSeconds / 60:0} minutes (a scene uses 2–4 s of it).");
        }
        var (avg, real) = (video.AverageFrameRate, video.RealFrameRate);
        var audio = probe.Audio;
        return new InputMedia(
            isImage ? MediaKind.Image : MediaKind.Video,
            width, height, video.Rotation,
            avg > 0 ? avg : real,
            VariableFrameRate: avg > 0 && real > 0 && Math.Abs(avg - real) > 0.01 * real,
            Seconds: isImage ? 0 : seconds,
            codec, video.PixelFormat ?? "unknown",
            audio is not null, audio?.Channels ?? 0, audio?.SampleRate ?? 0);
    }
}
