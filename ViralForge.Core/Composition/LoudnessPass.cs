using System.Globalization;
using System.Text.Json;
using ViralForge.Core.Media;

namespace ViralForge.Core.Composition;

/// <summary>
/// EBU R128 two-pass loudness: measure the mixed audio alone (cheap: no video is decoded), then
/// normalise linearly in the encode, which lands within a fraction of an LU of the target.
/// </summary>
public sealed class LoudnessPass(Ffmpeg ffmpeg)
{
    public async Task<string> FilterAsync(Timeline timeline, CancellationToken ct)
    {
        var target = $"I={F(timeline.TargetLufs)}:TP={F(timeline.TruePeakDb)}:LRA=11";
        var args = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "info" };
        args.AddRange(TimelineGraph.AudioInputs(timeline));
        args.AddRange(["-filter_complex", $"{TimelineGraph.AudioGraph(timeline, "[mixed]")};[mixed]loudnorm={target}:print_format=json[m]", "-map", "[m]", "-f", "null", "-"]);
        var result = await ProcessRunner.RunAsync(ffmpeg.Options.FfmpegPath, args, TimeSpan.FromSeconds(ffmpeg.Options.ProcessTimeoutSeconds), ct, captureStdOut: false);
        if (result.ExitCode != 0)
        {
            throw new ExternalToolException("ffmpeg", $"Measuring loudness failed with exit code {result.ExitCode}.", result.StdErrTail);
        }
        var measured = Parse(result.StdErrTail);
        // Silence (or near silence) cannot be measured; one-pass normalisation is the sane fallback.
        return measured is null
            ? $"loudnorm={target}"
            : $"loudnorm={target}:measured_I={measured.Value.I}:measured_TP={measured.Value.Tp}:measured_LRA={measured.Value.Lra}:measured_thresh={measured.Value.Thresh}:offset={measured.Value.Offset}:linear=true";
    }

    internal static (string I, string Tp, string Lra, string Thresh, string Offset)? Parse(string stderr)
    {
        var start = stderr.LastIndexOf('{');
        var end = stderr.LastIndexOf('}');
        if (start < 0 || end < start)
        {
            return null;
        }
        try
        {
            var json = JsonDocument.Parse(stderr[start..(end + 1)]).RootElement;
            string Get(string name) => json.GetProperty(name).GetString() ?? "";
            var i = Get("input_i");
            if (!double.TryParse(i, NumberStyles.Float, CultureInfo.InvariantCulture, out var lufs) || double.IsInfinity(lufs) || lufs < -70)
            {
                return null;
            }
            return (i, Get("input_tp"), Get("input_lra"), Get("input_thresh"), Get("target_offset"));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
