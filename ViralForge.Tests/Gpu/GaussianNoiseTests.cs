using ViralForge.Gpu.Svd;

namespace ViralForge.Tests.Gpu;

public sealed class GaussianNoiseTests
{
    private static float[] Draw(long seed, int length, double scale = 1, int fills = 1)
    {
        var noise = new GaussianNoise(seed);
        var values = new float[length];
        for (var i = 0; i < fills; i++)
        {
            noise.Fill(values, scale);
        }
        return values;
    }

    [Fact]
    public void A_million_values_have_the_moments_and_tails_of_a_standard_normal()
    {
        var values = Draw(42, 1_000_001);
        var n = values.Length;
        var mean = values.Average(v => (double)v);
        var variance = values.Sum(v => (v - mean) * (v - mean)) / n;
        var skew = values.Sum(v => Math.Pow(v - mean, 3)) / n / Math.Pow(variance, 1.5);
        var kurtosis = values.Sum(v => Math.Pow(v - mean, 4)) / n / (variance * variance);
        Assert.InRange(mean, -0.005, 0.005);
        Assert.InRange(variance, 0.99, 1.01);
        Assert.InRange(skew, -0.02, 0.02);
        Assert.InRange(kurtosis, 2.95, 3.05);
        Assert.InRange(values.Count(v => Math.Abs(v) < 1) / (double)n, 0.6807, 0.6847);
        Assert.InRange(values.Count(v => Math.Abs(v) < 2) / (double)n, 0.9535, 0.9555);
        Assert.InRange(values.Count(v => Math.Abs(v) > 3) / (double)n, 0.0022, 0.0032);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Neighbours_and_the_two_halves_of_a_pair_are_uncorrelated()
    {
        var values = Draw(7, 1 << 20);
        var half = values.Length / 2;
        static double Correlation(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            double sum = 0;
            for (var i = 0; i < a.Length; i++)
            {
                sum += a[i] * b[i];
            }
            return sum / a.Length;
        }
        Assert.InRange(Correlation(values.AsSpan(0, values.Length - 1), values.AsSpan(1)), -0.005, 0.005);
        Assert.InRange(Correlation(values.AsSpan(0, half), values.AsSpan(half)), -0.005, 0.005);
        // Squares too: Box–Muller on a poor generator shows up as dependence between a pair's radius parts.
        var squares = values.Select(v => v * v - 1).ToArray();
        Assert.InRange(Correlation(squares.AsSpan(0, half), squares.AsSpan(half)) / 2, -0.01, 0.01);
    }

    [Fact]
    public void A_seed_gives_the_same_values_again_and_each_fill_or_seed_gives_new_ones()
    {
        Assert.Equal(Draw(3, 100_003), Draw(3, 100_003));
        var first = Draw(3, 100_003);
        var second = Draw(3, 100_003, fills: 2);
        var otherSeed = Draw(4, 100_003);
        Assert.True(first.Zip(second).Count(p => p.First == p.Second) < 10);
        Assert.True(first.Zip(otherSeed).Count(p => p.First == p.Second) < 10);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1023)]
    [InlineData(2049)]
    public void Short_and_odd_lengths_are_filled_to_the_last_value(int length)
    {
        var values = Enumerable.Repeat(float.NaN, length).ToArray();
        new GaussianNoise(9).Fill(values, 0.5);
        Assert.All(values, v => Assert.True(float.IsFinite(v) && Math.Abs(v) < 0.5 * 7));
        // A prefix of a longer fill with the same seed is not promised; the same length is.
        Assert.Equal(values, Draw(9, length, 0.5));
    }

    [Fact]
    public void The_scale_is_the_standard_deviation_and_zero_gives_zeros()
    {
        var scaled = Draw(11, 400_000, scale: 700);
        var sd = Math.Sqrt(scaled.Sum(v => (double)v * v) / scaled.Length);
        Assert.InRange(sd, 693, 707);
        Assert.All(Draw(11, 1000, scale: 0), v => Assert.Equal(0f, v));
    }
}
