using System.Globalization;
using System.Text.RegularExpressions;
using ViralForge.Core.Media;

namespace ViralForge.Tests.Infrastructure;

/// <summary>ffmpeg's own EBU R128 meter, as the reference the studio's loudness is checked against.</summary>
public static partial class EbuR128
{
    /// <returns>Integrated loudness in LUFS, and with <paramref name="truePeak"/> the true peak in dBFS.</returns>
    public static async Task<(double Integrated, double? Peak)> MeasureAsync(string path, bool truePeak = false)
    {
        var meter = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-nostats", "-i", path, "-af", truePeak ? "ebur128=peak=true" : "ebur128", "-f", "null", "-"],
            TimeSpan.FromSeconds(60), CancellationToken.None);
        var summary = meter.StdErrTail[meter.StdErrTail.LastIndexOf("Summary:", StringComparison.Ordinal)..];
        var integrated = double.Parse(Integrated().Match(summary).Groups[1].Value, CultureInfo.InvariantCulture);
        return (integrated, truePeak ? double.Parse(Peak().Match(summary).Groups[1].Value, CultureInfo.InvariantCulture) : null);
    }

    [GeneratedRegex(@"I:\s+(-?[\d.]+) LUFS")]
    private static partial Regex Integrated();

    [GeneratedRegex(@"Peak:\s+(-?[\d.]+) dBFS")]
    private static partial Regex Peak();
}
