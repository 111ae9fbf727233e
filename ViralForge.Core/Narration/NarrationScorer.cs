namespace ViralForge.Core.Narration;

/// <summary>What the scorer measured on one candidate, and what it holds against it.</summary>
public sealed record NarrationScore(
    double Total,
    double Seconds,
    double WordsPerMinute,
    double ClippedPercent,
    double LongestSilenceSeconds,
    double LoudnessLufs,
    IReadOnlyList<string> Problems);

/// <summary>
/// Scores a narration candidate out of 100: how close it runs to the scene's target, a natural
/// speaking rate, no clipping, no unintended long silences, a sane level. Problems are written so a
/// reviewer knows why a candidate lost.
/// </summary>
public static class NarrationScorer
{
    public const double SlowestWpm = 110;
    public const double FastestWpm = 200;
    public const double FarTooFastWpm = 260;
    public const double LongestNaturalSilence = 0.7;

    private const double WindowSeconds = 0.02;

    public static NarrationScore Score(ReadOnlySpan<short> samples, int sampleRate, int words, double targetSeconds, double intendedPauseSeconds, double longestIntendedPause)
    {
        var problems = new List<string>();
        var penalty = 0.0;
        var seconds = (double)samples.Length / sampleRate;
        if (samples.Length == 0)
        {
            return new NarrationScore(0, 0, 0, 0, 0, LoudnessMeter.Silence, ["No sound at all."]);
        }

        var (first, last, longestSilence) = SoundSpan(samples, sampleRate);
        var speaking = Math.Max(0.05, last - first - intendedPauseSeconds);
        var wpm = words / (speaking / 60);
        if (wpm > FarTooFastWpm)
        {
            penalty += 45;
            problems.Add($"Far too fast: {wpm:0} words a minute (natural is {SlowestWpm:0}–{FastestWpm:0}).");
        }
        else if (wpm > FastestWpm)
        {
            penalty += (wpm - FastestWpm) / 4;
            problems.Add($"Fast: {wpm:0} words a minute.");
        }
        else if (wpm < SlowestWpm)
        {
            penalty += Math.Min(30, (SlowestWpm - wpm) / 3);
            problems.Add($"Slow: {wpm:0} words a minute.");
        }

        var clipped = ClippedFraction(samples);
        if (clipped > 0.0005)
        {
            penalty += 40;
            problems.Add($"Clipped: {clipped * 100:0.##} % of samples at full scale (distorted).");
        }

        var allowedSilence = LongestNaturalSilence + longestIntendedPause;
        if (longestSilence > allowedSilence)
        {
            penalty += 30 + 10 * (longestSilence - allowedSilence);
            problems.Add($"A silence of {longestSilence:0.0} s inside the narration.");
        }

        var ratio = seconds / Math.Max(0.5, targetSeconds);
        var drift = Math.Abs(Math.Log(ratio));
        if (drift > Math.Log(1.25))
        {
            penalty += Math.Min(25, 20 * (drift - Math.Log(1.25)));
            problems.Add($"Runs {seconds:0.0} s for a {targetSeconds:0.#} s scene.");
        }

        var lufs = LoudnessMeter.IntegratedLufs(samples, sampleRate);
        if (lufs < -40)
        {
            penalty += 20;
            problems.Add($"Very quiet ({lufs:0} LUFS before normalisation): mostly noise.");
        }

        return new NarrationScore(Math.Round(Math.Max(0, 100 - penalty), 1), Math.Round(seconds, 3), Math.Round(wpm, 1),
            Math.Round(clipped * 100, 3), Math.Round(longestSilence, 3), Math.Round(lufs, 1), problems);
    }

    /// <summary>Where sound starts and ends, and the longest silence between: 20 ms windows more than 40 dB under the loudest.</summary>
    private static (double First, double Last, double LongestSilence) SoundSpan(ReadOnlySpan<short> samples, int sampleRate)
    {
        var window = Math.Max(1, (int)(WindowSeconds * sampleRate));
        var count = (samples.Length + window - 1) / window;
        var rms = new double[count];
        for (var w = 0; w < count; w++)
        {
            var slice = samples.Slice(w * window, Math.Min(window, samples.Length - w * window));
            var sum = 0.0;
            foreach (var s in slice)
            {
                sum += (double)s * s;
            }
            rms[w] = Math.Sqrt(sum / slice.Length);
        }
        var threshold = rms.Max() / 100;
        var firstWindow = Array.FindIndex(rms, r => r > threshold);
        var lastWindow = Array.FindLastIndex(rms, r => r > threshold);
        if (firstWindow < 0)
        {
            return (0, 0, 0);
        }
        var longest = 0;
        var run = 0;
        for (var w = firstWindow; w <= lastWindow; w++)
        {
            run = rms[w] > threshold ? 0 : run + 1;
            longest = Math.Max(longest, run);
        }
        return ((double)firstWindow * window / sampleRate, (double)(lastWindow + 1) * window / sampleRate, (double)longest * window / sampleRate);
    }

    private static double ClippedFraction(ReadOnlySpan<short> samples)
    {
        var clipped = 0;
        foreach (var s in samples)
        {
            if (s is >= 32600 or <= -32600)
            {
                clipped++;
            }
        }
        return (double)clipped / samples.Length;
    }
}
