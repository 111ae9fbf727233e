using System.Globalization;
using System.Text.RegularExpressions;
using ViralForge.Core.Media;

namespace ViralForge.Core.Composition;

/// <summary>The mixed audio's EBU R128 figures: integrated loudness, its gate, loudness range, true peak.</summary>
public readonly record struct LoudnessMeasure(double Integrated, double Threshold, double Range, double TruePeak);

/// <summary>
/// EBU R128 two-pass loudness: measure the mixed audio alone (cheap: no video is decoded; the ebur128
/// meter, a third of loudnorm's cost), then normalise in the encode. Where a plain gain reaches the target
/// without passing the true-peak ceiling or the range — what loudnorm's linear mode would do — the gain is
/// applied as it is; otherwise loudnorm gets the measurements and decides (dynamic when it must).
/// </summary>
public sealed partial class LoudnessPass(Ffmpeg ffmpeg)
{
    private const double TargetRange = 11;

    public async Task<string> FilterAsync(Timeline timeline, CancellationToken ct)
    {
        var args = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "info" };
        args.AddRange(TimelineGraph.AudioInputs(timeline));
        // framelog=verbose: the per-frame lines stay below the info level, only the summary is printed.
        args.AddRange(["-filter_complex", $"{TimelineGraph.AudioGraph(timeline, "[mixed]")};[mixed]ebur128=peak=true:framelog=verbose[m]", "-map", "[m]", "-f", "null", "-"]);
        var result = await ProcessRunner.RunAsync(ffmpeg.Options.FfmpegPath, args, TimeSpan.FromSeconds(ffmpeg.Options.ProcessTimeoutSeconds), ct, captureStdOut: false);
        if (result.ExitCode != 0)
        {
            throw new ExternalToolException("ffmpeg", $"Measuring loudness failed with exit code {result.ExitCode}.", result.StdErrTail);
        }
        return Filter(Parse(result.StdErrTail), timeline.TargetLufs, timeline.TruePeakDb);
    }

    /// <summary>The second pass's filter for what was measured (null: silence, which one-pass normalisation handles).</summary>
    internal static string Filter(LoudnessMeasure? measured, double targetLufs, double truePeakDb)
    {
        var target = $"I={F(targetLufs)}:TP={F(truePeakDb)}:LRA={F(TargetRange)}";
        if (measured is not { } m)
        {
            return $"loudnorm={target}";
        }
        var gain = targetLufs - m.Integrated;
        if (m.TruePeak + gain <= truePeakDb && m.Range <= TargetRange)
        {
            return $"volume={F(gain)}dB";
        }
        return $"loudnorm={target}:measured_I={F(m.Integrated)}:measured_TP={F(m.TruePeak)}:measured_LRA={F(m.Range)}:measured_thresh={F(m.Threshold)}:linear=true";
    }

    /// <summary>Reads the ebur128 summary; null when nothing measurable was heard (silence reads -70 LUFS or less).</summary>
    internal static LoudnessMeasure? Parse(string stderr)
    {
        var start = stderr.LastIndexOf("Summary:", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        var summary = stderr[start..];
        var integrated = Number(IntegratedLine().Match(summary));
        var threshold = Number(ThresholdLine().Match(summary));
        var range = Number(RangeLine().Match(summary));
        var peak = Number(PeakLine().Match(summary));
        return integrated is { } i && i > -70 && i < 0 && threshold is { } t && range is { } r && peak is { } p
            ? new LoudnessMeasure(i, t, r, p)
            : null;
    }

    private static double? Number(Match match) =>
        match.Success && double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+) LUFS")]
    private static partial Regex IntegratedLine();

    [GeneratedRegex(@"Integrated loudness:\s*\n\s*I:[^\n]*\n\s*Threshold:\s*(-?[\d.]+) LUFS")]
    private static partial Regex ThresholdLine();

    [GeneratedRegex(@"LRA:\s*(-?[\d.]+) LU\b")]
    private static partial Regex RangeLine();

    [GeneratedRegex(@"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf) dBFS")]
    private static partial Regex PeakLine();
}
