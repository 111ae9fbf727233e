namespace ViralForge.Core.Narration;

/// <summary>
/// Integrated loudness of mono audio after ITU-R BS.1770-4 (K-weighting, 400 ms blocks overlapping
/// by 75 %, absolute gate −70 LUFS, relative gate −10 LU), as ffmpeg's ebur128 reports it.
/// In process because scoring every narration candidate through ffmpeg would cost a process each.
/// </summary>
public static class LoudnessMeter
{
    public const double Silence = -70;

    public static double IntegratedLufs(ReadOnlySpan<short> samples, int sampleRate)
    {
        if (samples.Length == 0)
        {
            return Silence;
        }
        var weighted = KWeighted(samples, sampleRate);
        var block = (int)(0.4 * sampleRate);
        var step = (int)(0.1 * sampleRate);
        var energies = new List<double>();
        if (weighted.Length < block)
        {
            energies.Add(MeanSquare(weighted, 0, weighted.Length));
        }
        for (var start = 0; start + block <= weighted.Length; start += step)
        {
            energies.Add(MeanSquare(weighted, start, block));
        }
        var aboveAbsolute = energies.Where(z => Lufs(z) > Silence).ToList();
        if (aboveAbsolute.Count == 0)
        {
            return Silence;
        }
        var relativeGate = Lufs(aboveAbsolute.Average()) - 10;
        var gated = aboveAbsolute.Where(z => Lufs(z) > relativeGate).ToList();
        return gated.Count == 0 ? Silence : Lufs(gated.Average());
    }

    private static double Lufs(double meanSquare) => meanSquare <= 0 ? double.NegativeInfinity : -0.691 + 10 * Math.Log10(meanSquare);

    private static double MeanSquare(double[] x, int start, int count)
    {
        var sum = 0.0;
        for (var i = start; i < start + count; i++)
        {
            sum += x[i] * x[i];
        }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>The two K-weighting biquads (high shelf, then high pass), derived for any sample rate.</summary>
    private static double[] KWeighted(ReadOnlySpan<short> samples, int fs)
    {
        var k = Math.Tan(Math.PI * 1681.974450955533 / fs);
        var q = 0.7071752369554196;
        var vh = Math.Pow(10, 3.999843853973347 / 20);
        var vb = Math.Pow(vh, 0.4996667741545416);
        var a0 = 1 + k / q + k * k;
        var shelf = new Biquad(
            (vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
            2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0);
        k = Math.Tan(Math.PI * 38.13547087602444 / fs);
        q = 0.5003270373238773;
        a0 = 1 + k / q + k * k;
        var highPass = new Biquad(1, -2, 1, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0);

        var output = new double[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            output[i] = highPass.Next(shelf.Next(samples[i] / 32768.0));
        }
        return output;
    }

    private sealed class Biquad(double b0, double b1, double b2, double a1, double a2)
    {
        private double _x1, _x2, _y1, _y2;

        public double Next(double x)
        {
            var y = b0 * x + b1 * _x1 + b2 * _x2 - a1 * _y1 - a2 * _y2;
            (_x2, _x1, _y2, _y1) = (_x1, x, _y1, y);
            return y;
        }
    }
}
