using System.Numerics;

namespace ViralForge.Core.Publishing.Duplicates;

/// <summary>One sampled frame: a 64-bit DCT perceptual hash of its brightness, and its average colour.</summary>
public readonly record struct FrameHash(ulong Hash, byte R, byte G, byte B)
{
    public const int Side = 32;
    private const int Low = 8;
    private static readonly double[,] Cosines = BuildCosines();

    /// <summary>
    /// Hashes a 32×32 RGB frame: the low 8×8 frequencies of the brightness's 2-D DCT, each bit set when
    /// above their median (the classic pHash, which survives re-encoding, scaling and colour shifts).
    /// Null for a flat frame (a fade, a blank card): it says nothing about the content and would match everything.
    /// </summary>
    public static FrameHash? Compute(ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length != Side * Side * 3)
        {
            throw new ArgumentException($"A frame is {Side}×{Side} RGB ({Side * Side * 3} bytes).", nameof(rgb));
        }
        Span<double> luma = stackalloc double[Side * Side];
        long r = 0, g = 0, b = 0;
        double sum = 0, squares = 0;
        for (var i = 0; i < Side * Side; i++)
        {
            var (pr, pg, pb) = (rgb[i * 3], rgb[(i * 3) + 1], rgb[(i * 3) + 2]);
            r += pr;
            g += pg;
            b += pb;
            var y = (0.299 * pr) + (0.587 * pg) + (0.114 * pb);
            luma[i] = y;
            sum += y;
            squares += y * y;
        }
        const int n = Side * Side;
        var variance = (squares / n) - ((sum / n) * (sum / n));
        if (variance < 4)
        {
            return null;
        }
        // Separable DCT, only the 8×8 low frequencies are needed.
        Span<double> rows = stackalloc double[Side * Low];
        for (var y = 0; y < Side; y++)
        {
            for (var u = 0; u < Low; u++)
            {
                double acc = 0;
                for (var x = 0; x < Side; x++)
                {
                    acc += luma[(y * Side) + x] * Cosines[u, x];
                }
                rows[(y * Low) + u] = acc;
            }
        }
        Span<double> coefficients = stackalloc double[Low * Low];
        for (var v = 0; v < Low; v++)
        {
            for (var u = 0; u < Low; u++)
            {
                double acc = 0;
                for (var y = 0; y < Side; y++)
                {
                    acc += rows[(y * Low) + u] * Cosines[v, y];
                }
                coefficients[(v * Low) + u] = acc;
            }
        }
        // The median leaves out the DC term (overall brightness), so a brightness shift changes nothing.
        Span<double> sorted = stackalloc double[(Low * Low) - 1];
        coefficients[1..].CopyTo(sorted);
        sorted.Sort();
        var median = (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        ulong hash = 0;
        for (var i = 1; i < Low * Low; i++)
        {
            if (coefficients[i] > median)
            {
                hash |= 1UL << i;
            }
        }
        return new FrameHash(hash, (byte)(r / n), (byte)(g / n), (byte)(b / n));
    }

    public static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    public int ColourDistance(FrameHash other) => Math.Max(Math.Abs(R - other.R), Math.Max(Math.Abs(G - other.G), Math.Abs(B - other.B)));

    private static double[,] BuildCosines()
    {
        var table = new double[Low, Side];
        for (var u = 0; u < Low; u++)
        {
            for (var x = 0; x < Side; x++)
            {
                table[u, x] = Math.Cos(((2 * x) + 1) * u * Math.PI / (2 * Side));
            }
        }
        return table;
    }
}
