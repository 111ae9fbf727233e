using ViralForge.Gpu.Svd;

namespace ViralForge.Tests.Gpu;

public sealed class KarrasSchedulerTests
{
    [Fact]
    public void Twenty_five_karras_sigmas_match_the_reference()
    {
        var scheduler = new KarrasScheduler(25);
        Assert.Equal(26, scheduler.Sigmas.Count);
        Assert.Equal(700.0, scheduler.Sigmas[0], 6);
        Assert.Equal(545.73, scheduler.Sigmas[1], 2);
        Assert.Equal(421.57, scheduler.Sigmas[2], 2);
        Assert.Equal(0.002, scheduler.Sigmas[24], 9);
        Assert.Equal(0.0, scheduler.Sigmas[25]);
        Assert.Equal(0.25 * Math.Log(700), scheduler.Timesteps[0], 9);
        Assert.Equal(0.25 * Math.Log(0.002), scheduler.Timesteps[24], 9);
        Assert.Equal(Math.Sqrt(700.0 * 700 + 1), scheduler.InitialNoiseSigma, 9);
        for (var i = 1; i < scheduler.Sigmas.Count; i++)
        {
            Assert.True(scheduler.Sigmas[i] < scheduler.Sigmas[i - 1]);
        }
    }

    [Fact]
    public void Guidance_rises_linearly_across_frames()
    {
        Assert.Equal([1.0, 1.5, 2.0, 2.5, 3.0], KarrasScheduler.GuidanceRamp(5, 1, 3));
        var ramp = KarrasScheduler.GuidanceRamp(14, 1, 3);
        Assert.Equal(1.0, ramp[0]);
        Assert.Equal(3.0, ramp[^1], 12);
        Assert.Equal(1 + 2.0 * 6 / 13, ramp[6], 12);
    }

    [Fact]
    public void One_euler_step_with_v_prediction_matches_a_hand_computed_value()
    {
        var scheduler = new KarrasScheduler(25);
        // σ = 545.73…, σ' = 421.57…; x = 100, v = 0.5.
        var sigma = scheduler.Sigmas[1];
        var next = scheduler.Sigmas[2];
        float[] x = [100f];
        scheduler.Step(x, [0.5f], 1);

        var denoised = 0.5 * (-sigma / Math.Sqrt(sigma * sigma + 1)) + 100 / (sigma * sigma + 1);
        var expected = 100 + (100 - denoised) / sigma * (next - sigma);
        Assert.Equal(expected, x[0], 3);
        // By hand: denoised ≈ −0.49965, so x' ≈ 100 + 100.49965/545.73·(−124.16) ≈ 77.14.
        Assert.Equal(77.14, x[0], 1);
        Assert.Equal(1 / Math.Sqrt(sigma * sigma + 1), scheduler.InputScale(1), 12);
    }

    [Fact]
    public void The_last_step_lands_on_the_denoised_estimate()
    {
        var scheduler = new KarrasScheduler(4);
        var sigma = scheduler.Sigmas[3];
        var target = 0.7;
        var x = 2.5;
        // The v that makes the denoised estimate exactly the target.
        var cIn = 1 / Math.Sqrt(sigma * sigma + 1);
        var v = (x * cIn * cIn - target) / (sigma * cIn);
        float[] sample = [(float)x];
        scheduler.Step(sample, [(float)v], 3);
        Assert.Equal(target, sample[0], 4);
    }
}
