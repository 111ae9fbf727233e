using ViralForge.Core.Narration;

namespace ViralForge.Tests.Unit;

/// <summary>Synthetic "speech" (tone bursts as words) with one defect each; the scorer must prefer the clean one and say why.</summary>
public sealed class NarrationScorerTests
{
    private const int Rate = 24000;
    private const int Words = 7;

    private static short[] Speech(double word = 0.25, double gap = 0.12, double amplitude = 0.3, double silenceAfterWord = -1, int silenceWord = 3)
    {
        var samples = new List<short>();
        samples.AddRange(new short[Rate / 10]);
        for (var w = 0; w < Words; w++)
        {
            var n = (int)(word * Rate);
            for (var i = 0; i < n; i++)
            {
                var envelope = Math.Sin(Math.PI * i / n);
                var value = amplitude * envelope * (Math.Sin(2 * Math.PI * 170 * i / Rate) + 0.5 * Math.Sin(2 * Math.PI * 510 * i / Rate));
                samples.Add((short)Math.Clamp(value * 32767, -32768, 32767));
            }
            samples.AddRange(new short[(int)((w == silenceWord && silenceAfterWord > 0 ? silenceAfterWord : gap) * Rate)]);
        }
        return [.. samples];
    }

    private static NarrationScore Score(short[] audio) => NarrationScorer.Score(audio, Rate, Words, targetSeconds: 3, intendedPauseSeconds: 0, longestIntendedPause: 0);

    [Fact]
    public void The_clean_candidate_beats_clipped_silent_gapped_and_rushed_ones()
    {
        var clean = Score(Speech());
        var clipped = Score(Speech(amplitude: 3));
        var gapped = Score(Speech(silenceAfterWord: 1.6));
        var rushed = Score(Speech(word: 0.08, gap: 0.03));

        Assert.Empty(clean.Problems);
        Assert.InRange(clean.WordsPerMinute, NarrationScorer.SlowestWpm, NarrationScorer.FastestWpm);
        Assert.Contains(clipped.Problems, p => p.StartsWith("Clipped", StringComparison.Ordinal));
        Assert.Contains(gapped.Problems, p => p.Contains("silence of 1.6 s", StringComparison.Ordinal));
        Assert.Contains(rushed.Problems, p => p.StartsWith("Far too fast", StringComparison.Ordinal));

        var candidates = new[] { clipped, gapped, clean, rushed };
        Assert.Same(clean, candidates.MaxBy(c => c.Total));
        Assert.All(candidates.Where(c => c != clean), c => Assert.True(c.Total <= clean.Total - 25, $"{string.Join(" ", c.Problems)} scored {c.Total}"));
    }

    [Fact]
    public void A_written_pause_is_not_held_against_the_candidate()
    {
        var audio = Speech(silenceAfterWord: 1.6);
        var scored = NarrationScorer.Score(audio, Rate, Words, 3, intendedPauseSeconds: 1.5, longestIntendedPause: 1.5);
        Assert.DoesNotContain(scored.Problems, p => p.Contains("silence", StringComparison.Ordinal));
    }

    [Fact]
    public void Silence_is_called_out()
    {
        var scored = NarrationScorer.Score(new short[Rate * 3], Rate, Words, 3, 0, 0);
        Assert.Contains(scored.Problems, p => p.StartsWith("Very quiet", StringComparison.Ordinal));
        Assert.True(scored.Total < 50, $"Silence scored {scored.Total}.");
    }
}
