using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;

namespace ViralForge.Core.Clips;

public sealed class ClipOptions
{
    public const string Section = "Clips";

    /// <summary>Video diffusion candidates per scene (a run's "candidates" parameter overrides it).</summary>
    [Range(1, 8)]
    public int Candidates { get; set; } = 3;

    /// <summary>Sharpness of the last quarter of frames over the first quarter; below this the clip is blurring away.</summary>
    [Range(0, 1)]
    public double MinSharpnessRatio { get; set; } = 0.45;

    /// <summary>Largest frame-to-frame change over the typical change; above this a frame jumps (a glitch or a cut).</summary>
    [Range(1, 100)]
    public double MaxChangeSpike { get; set; } = 8;

    /// <summary>Sharpness of the last quarter over the first above which the picture is breaking up into noise.</summary>
    [Range(1, 100)]
    public double MaxSharpnessRatio { get; set; } = 4;

    /// <summary>Least correlation of any frame's layout (8×8-pixel blocks) with the first; below this the subject has melted or warped away.</summary>
    [Range(-1, 1)]
    public double MinSimilarityToFirst { get; set; } = 0.5;
}

/// <summary>What the drift gate measured on one clip, and why it was rejected (null when it passed).</summary>
public sealed record DriftReport(
    double SharpnessRatio,
    double ChangeSpike,
    double MinSimilarity,
    double Score,
    string? Rejected,
    IReadOnlyList<double> Sharpness,
    IReadOnlyList<double> Similarity);

/// <summary>
/// Pitfall #1: video diffusion drifts after a few seconds. Each clip is decoded small and grey, and three
/// things are measured per frame: sharpness (variance of the Laplacian), the change from the previous
/// frame, and the correlation with the first frame.
/// </summary>
public sealed class DriftGate(Ffmpeg ffmpeg, IOptions<ClipOptions> options)
{
    private const int Width = 144;
    private const int Height = 256;

    public async Task<DriftReport> CheckAsync(string clip, string workFolder, CancellationToken ct)
    {
        var raw = Path.Combine(workFolder, $"drift-{Guid.NewGuid():N}.gray");
        try
        {
            await ffmpeg.RunAsync(["-i", clip, "-vf", $"scale={Width}:{Height}:flags=area,format=gray", "-f", "rawvideo", raw], 0, null, ct);
            var bytes = await File.ReadAllBytesAsync(raw, ct);
            return Measure(bytes, Width, Height, options.Value);
        }
        finally
        {
            File.Delete(raw);
        }
    }

    public static DriftReport Measure(byte[] gray, int width, int height, ClipOptions limits)
    {
        var size = width * height;
        var frames = gray.Length / size;
        if (frames < 4)
        {
            return new DriftReport(0, 0, 0, 0, $"The clip has {frames} frames; a clip needs at least 4.", [], []);
        }
        var sharpness = new double[frames];
        var similarity = new double[frames];
        var change = new double[frames - 1];
        // Layout, not texture: motion shifts fine detail a lot but the arrangement of the picture little.
        var first = Blocks(gray.AsSpan(0, size), width, height);
        for (var f = 0; f < frames; f++)
        {
            var frame = gray.AsSpan(f * size, size);
            sharpness[f] = LaplacianVariance(frame, width, height);
            similarity[f] = Correlation(first, Blocks(frame, width, height));
            if (f > 0)
            {
                change[f - 1] = MeanAbsDifference(gray.AsSpan((f - 1) * size, size), frame);
            }
        }
        var quarter = Math.Max(1, frames / 4);
        var sharpnessRatio = sharpness[^quarter..].Average() / Math.Max(1e-6, sharpness[..quarter].Average());
        var sorted = change.Order().ToArray();
        var median = sorted[sorted.Length / 2];
        // A floor of one grey level: a still clip's tiny changes must not turn noise into a "spike".
        var spike = change.Max() / Math.Max(1.0, median);
        var minSimilarity = similarity.Min();

        string? rejected = null;
        if (spike > limits.MaxChangeSpike && change.Max() > 4)
        {
            rejected = $"A frame jumps: one change is {spike:0.0}× the typical frame-to-frame change (at most {limits.MaxChangeSpike:0.#}×).";
        }
        else if (sharpnessRatio < limits.MinSharpnessRatio)
        {
            rejected = $"It blurs as it plays: the last frames keep {sharpnessRatio:P0} of the first frames' sharpness (at least {limits.MinSharpnessRatio:P0} needed).";
        }
        else if (sharpnessRatio > limits.MaxSharpnessRatio)
        {
            rejected = $"It breaks up into noise: the last frames have {sharpnessRatio:0.0}× the first frames' fine detail (at most {limits.MaxSharpnessRatio:0.#}×).";
        }
        else if (minSimilarity < limits.MinSimilarityToFirst)
        {
            rejected = $"It drifts away from the keyframe: a frame correlates {minSimilarity.ToString("0.00", CultureInfo.InvariantCulture)} with the first (at least {limits.MinSimilarityToFirst.ToString("0.00", CultureInfo.InvariantCulture)} needed).";
        }
        var score = Math.Round(minSimilarity + 0.5 * Math.Min(1, sharpnessRatio) - 0.1 * Math.Max(0, Math.Log(sharpnessRatio)) - 0.02 * spike, 4);
        return new DriftReport(Math.Round(sharpnessRatio, 4), Math.Round(spike, 3), Math.Round(minSimilarity, 4), score, rejected,
            [.. sharpness.Select(s => Math.Round(s, 2))], [.. similarity.Select(s => Math.Round(s, 4))]);
    }

    private const int Block = 8;

    private static byte[] Blocks(ReadOnlySpan<byte> frame, int width, int height)
    {
        int bw = width / Block, bh = height / Block;
        var blocks = new byte[bw * bh];
        for (var by = 0; by < bh; by++)
        {
            for (var bx = 0; bx < bw; bx++)
            {
                var sum = 0;
                for (var y = by * Block; y < (by + 1) * Block; y++)
                {
                    for (var x = bx * Block; x < (bx + 1) * Block; x++)
                    {
                        sum += frame[y * width + x];
                    }
                }
                blocks[by * bw + bx] = (byte)(sum / (Block * Block));
            }
        }
        return blocks;
    }

    private static double LaplacianVariance(ReadOnlySpan<byte> frame, int width, int height)
    {
        double sum = 0, sumSquares = 0;
        var n = 0;
        for (var y = 1; y < height - 1; y++)
        {
            for (var x = 1; x < width - 1; x++)
            {
                var i = y * width + x;
                double l = frame[i - 1] + frame[i + 1] + frame[i - width] + frame[i + width] - 4 * frame[i];
                sum += l;
                sumSquares += l * l;
                n++;
            }
        }
        var mean = sum / n;
        return sumSquares / n - mean * mean;
    }

    private static double Correlation(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            sa += x;
            sb += y;
            saa += x * x;
            sbb += y * y;
            sab += x * y;
        }
        var n = a.Length;
        var cov = sab - sa * sb / n;
        var va = saa - sa * sa / n;
        var vb = sbb - sb * sb / n;
        return va <= 1e-9 || vb <= 1e-9 ? (va <= 1e-9 && vb <= 1e-9 ? 1 : 0) : cov / Math.Sqrt(va * vb);
    }

    private static double MeanAbsDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }
        return (double)sum / a.Length;
    }
}
