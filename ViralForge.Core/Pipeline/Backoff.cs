namespace ViralForge.Core.Pipeline;

/// <summary>Exponential backoff with "equal jitter": half fixed, half random, so workers never retry in lockstep.</summary>
public static class Backoff
{
    public static TimeSpan Delay(int attempt, double baseSeconds, double maxSeconds, Random random)
    {
        var exponential = Math.Min(maxSeconds, baseSeconds * Math.Pow(2, Math.Max(0, attempt - 1)));
        return TimeSpan.FromSeconds(exponential / 2 + random.NextDouble() * exponential / 2);
    }
}
