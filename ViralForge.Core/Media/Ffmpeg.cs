using System.Globalization;
using FFMpegCore;
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

    public async Task<IMediaAnalysis> ProbeAsync(string path, CancellationToken ct)
    {
        try
        {
            return await FFProbe.AnalyseAsync(path, new FFOptions { BinaryFolder = BinaryFolder(_options.FfprobePath) }, null, ct);
        }
        catch (Exception ex) when (ex is FFMpegCore.Exceptions.FFMpegException or FFMpegCore.Exceptions.FormatNullException or System.Text.Json.JsonException)
        {
            throw new ExternalToolException("ffprobe", $"The file could not be read as media: {ex.Message}", transient: false);
        }
    }

    private static string BinaryFolder(string tool) =>
        Path.IsPathRooted(tool) ? Path.GetDirectoryName(tool)! : "";

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
