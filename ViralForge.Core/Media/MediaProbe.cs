using System.Globalization;
using System.Text.Json;

namespace ViralForge.Core.Media;

/// <summary>One stream as ffprobe reports it, in the terms the studio uses.</summary>
public sealed record ProbedStream(
    string Type, string? Codec, int Width, int Height, string? PixelFormat, double AverageFrameRate, double RealFrameRate,
    long? Frames, double? Seconds, int Channels, int SampleRate, int Rotation, bool AttachedPicture);

/// <summary>
/// What ffprobe says about a file. The studio's only probe: uploads, downloads, music and its own
/// outputs are all read here, with the same protocol and demuxer allowlists.
/// </summary>
public sealed record MediaProbe(string FormatName, double FormatSeconds, double StartSeconds, IReadOnlyList<ProbedStream> Streams)
{
    public ProbedStream? Video => Streams.FirstOrDefault(s => s.Type == "video" && !s.AttachedPicture);

    public ProbedStream? Audio => Streams.FirstOrDefault(s => s.Type == "audio");

    /// <summary>
    /// How long it really plays. A file whose timestamps start late (an edited or cut recording) can
    /// report its container duration from zero; the streams' own durations do not include the offset.
    /// </summary>
    public double Seconds
    {
        get
        {
            var streams = Streams.Where(s => s.Type is "video" or "audio" && !s.AttachedPicture && s.Seconds is > 0).Select(s => s.Seconds!.Value).ToList();
            if (streams.Count > 0)
            {
                return streams.Max();
            }
            return StartSeconds > 0 && FormatSeconds > StartSeconds ? FormatSeconds - StartSeconds : FormatSeconds;
        }
    }

    public static MediaProbe Parse(string json)
    {
        var root = JsonDocument.Parse(json).RootElement;
        var format = root.TryGetProperty("format", out var f) ? f : throw new JsonException("ffprobe gave no format.");
        var streams = root.TryGetProperty("streams", out var list)
            ? list.EnumerateArray().Select(s => new ProbedStream(
                Str(s, "codec_type") ?? "",
                Str(s, "codec_name"),
                Int(s, "width"),
                Int(s, "height"),
                Str(s, "pix_fmt"),
                Rate(Str(s, "avg_frame_rate")),
                Rate(Str(s, "r_frame_rate")),
                long.TryParse(Str(s, "nb_frames"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null,
                Double(s, "duration") is > 0 and var d ? d : null,
                Int(s, "channels"),
                (int)(Double(s, "sample_rate") ?? 0),
                Rotation(s),
                s.TryGetProperty("disposition", out var disposition) && disposition.TryGetProperty("attached_pic", out var a) && a.TryGetInt32(out var v) && v == 1))
                .ToList()
            : [];
        return new MediaProbe(Str(format, "format_name") ?? "", Double(format, "duration") ?? 0, Double(format, "start_time") ?? 0, streams);
    }

    /// <summary>Rotation from the display matrix (current ffmpeg) or the legacy "rotate" tag, as 0, 90, 180 or 270.</summary>
    private static int Rotation(JsonElement stream)
    {
        double degrees = 0;
        if (stream.TryGetProperty("side_data_list", out var sides))
        {
            foreach (var side in sides.EnumerateArray())
            {
                if (side.TryGetProperty("rotation", out var r) && r.TryGetDouble(out var d))
                {
                    degrees = d;
                }
            }
        }
        else if (stream.TryGetProperty("tags", out var tags) && Str(tags, "rotate") is { } tag)
        {
            double.TryParse(tag, NumberStyles.Float, CultureInfo.InvariantCulture, out degrees);
        }
        return ((int)Math.Round(degrees / 90) * 90 % 360 + 360) % 360;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : 0;

    private static double? Double(JsonElement e, string name) =>
        double.TryParse(Str(e, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;

    private static double Rate(string? fraction)
    {
        var parts = fraction?.Split('/') ?? [];
        return parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 ? n / d : 0;
    }
}
