namespace ViralForge.Gpu.Svd;

/// <summary>
/// The sampler SVD was trained for (diffusers' EulerDiscreteScheduler as configured for SVD):
/// Karras sigmas from σ_max down to σ_min, then 0; the UNet sees c_in-scaled latents and the time
/// 0.25·ln σ, predicts v, and one Euler step moves the latents to the next sigma.
/// </summary>
public sealed class KarrasScheduler
{
    public const double SigmaMin = 0.002;
    public const double SigmaMax = 700;
    public const double Rho = 7;

    public KarrasScheduler(int steps, double sigmaMin = SigmaMin, double sigmaMax = SigmaMax, double rho = Rho)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        var minInv = Math.Pow(sigmaMin, 1 / rho);
        var maxInv = Math.Pow(sigmaMax, 1 / rho);
        Sigmas = [.. Enumerable.Range(0, steps).Select(i => Math.Pow(maxInv + i / (double)(steps - 1) * (minInv - maxInv), rho)), 0];
        Timesteps = [.. Sigmas.Take(steps).Select(s => 0.25 * Math.Log(s))];
    }

    /// <summary>steps + 1 values: the last is 0, the clean image.</summary>
    public IReadOnlyList<double> Sigmas { get; }

    public IReadOnlyList<double> Timesteps { get; }

    public int Steps => Timesteps.Count;

    /// <summary>Pure noise is scaled to the first sigma's spread.</summary>
    public double InitialNoiseSigma => Math.Sqrt(Sigmas[0] * Sigmas[0] + 1);

    /// <summary>c_in: what the UNet input is multiplied by at step <paramref name="step"/>.</summary>
    public double InputScale(int step) => 1 / Math.Sqrt(Sigmas[step] * Sigmas[step] + 1);

    /// <summary>
    /// One Euler step with v-prediction: denoised = v·(−σ/√(σ²+1)) + x/(σ²+1); x' = x + (x − denoised)/σ · (σ_next − σ).
    /// Updates <paramref name="sample"/> in place.
    /// </summary>
    public void Step(Span<float> sample, ReadOnlySpan<float> velocity, int step)
    {
        if (velocity.Length < sample.Length)
        {
            throw new ArgumentException("The velocity is shorter than the sample.", nameof(velocity));
        }
        // The sampling loops fuse this with guidance (SvdPipeline, DeviceSampler); this is the step on its own.
        var (a, b) = StepCoefficients(step);
        for (var i = 0; i < sample.Length; i++)
        {
            sample[i] = a * sample[i] + b * velocity[i];
        }
    }

    /// <summary>The Euler step folded into x' = a·x + b·v (denoised = v·c_out + x·c_skip, d = (x − denoised)/σ).</summary>
    public (float A, float B) StepCoefficients(int step)
    {
        var sigma = Sigmas[step];
        var s2 = sigma * sigma + 1;
        var cOut = -sigma / Math.Sqrt(s2);
        var cSkip = 1 / s2;
        var ratio = (Sigmas[step + 1] - sigma) / sigma;
        return ((float)(1 + (1 - cSkip) * ratio), (float)(-cOut * ratio));
    }

    /// <summary>Classifier-free guidance rising linearly across frames from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static double[] GuidanceRamp(int frames, double min, double max) =>
        frames == 1 ? [min] : [.. Enumerable.Range(0, frames).Select(f => min + (max - min) * f / (frames - 1))];
}
