using System.Globalization;
using Microsoft.Extensions.Options;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Media;

/// <summary>Runs ffmpeg and ffprobe with progress, timeouts and readable failures.</summary>
public sealed class Ffmpeg(IOptions<MediaOptions> options)
{
    private readonly MediaOptions _options = options.Value;

    public MediaOptions Options => _options;

    /// <summary>
    /// Runs ffmpeg with <paramref name="arguments"/>; progress is read from <c>-progress pipe:1</c>
    /// as a fraction of <paramref name="expectedSeconds"/>.
    /// </summary>
    public async Task<ProcessResult> RunAsync(
        IReadOnlyList<string> arguments, double expectedSeconds, IProgress<double>? progress, CancellationToken ct)
    {
        string[] args = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-progress", "pipe:1", "-nostats", .. arguments];
        var result = await ProcessRunner.RunAsync(
            _options.FfmpegPath,
            args,
            TimeSpan.FromSeconds(_options.ProcessTimeoutSeconds),
            ct,
            onStdOutLine: line => ReportProgress(line, expectedSeconds, progress),
            captureStdOut: false);
        if (result.ExitCode != 0)
        {
            throw new ExternalToolException("ffmpeg", $"ffmpeg failed with exit code {result.ExitCode}: {LastLine(result.StdErrTail)}", result.StdErrTail);
        }
        return result;
    }

    /// <summary>
    /// Demuxers a file we did not make may be opened with: the containers people export and the ones
    /// the stock providers serve. Playlists (hls, dash), concat lists and anything that can name
    /// another file or a URL are not among them.
    /// </summary>
    public const string DemuxerAllowlist =
        "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,gif,image2,png_pipe,jpeg_pipe,webp_pipe,bmp_pipe,tiff_pipe,qoi_pipe,j2k_pipe,jpegls_pipe,mp3,wav,flac,ogg,aac";

    /// <summary>
    /// The input options for a file the studio did not make (an upload, a download, a music track):
    /// local files only, allowlisted demuxers only. Callers never pass paths with '%' or glob
    /// characters (store keys are ids), so image2 cannot be turned into a sequence reader.
    /// </summary>
    public static string[] UntrustedInput(string path) =>
        ["-protocol_whitelist", "file,pipe", "-format_whitelist", DemuxerAllowlist, "-i", path];

    /// <summary>The studio's one probe: ffprobe under the same allowlists, read into <see cref="MediaProbe"/>.</summary>
    public async Task<MediaProbe> ProbeAsync(string path, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(_options.FfprobePath,
            ["-v", "error", "-protocol_whitelist", "file,pipe", "-format_whitelist", DemuxerAllowlist,
                "-show_streams", "-show_format", "-of", "json", path],
            TimeSpan.FromSeconds(60), ct);
        if (result.ExitCode == 0)
        {
            try
            {
                return MediaProbe.Parse(result.StdOut);
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }
        var reason = LastLine(result.StdErrTail);
        throw new ExternalToolException("ffprobe", result.StdErrTail.Contains("not on whitelist", StringComparison.Ordinal)
            ? "This kind of file is not accepted (playlists, concat lists and other files that point elsewhere are refused)."
            : $"The file could not be read as media: {reason}", result.StdErrTail, transient: false);
    }

    private static void ReportProgress(string line, double expectedSeconds, IProgress<double>? progress)
    {
        if (progress is null || expectedSeconds <= 0 || !line.StartsWith("out_time_us=", StringComparison.Ordinal))
        {
            return;
        }
        if (long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var us) && us >= 0)
        {
            progress.Report(Math.Clamp(us / 1_000_000.0 / expectedSeconds, 0, 1));
        }
    }

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no error output)" : lines[^1];
    }

    public static string Seconds(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
