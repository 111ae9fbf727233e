using System.Text.RegularExpressions;
using ViralForge.Core.Narration;

namespace ViralForge.Gpu.Voices;

/// <summary>What the ONNX voices share: a narration cut into sentences (one model call each) and decoder output kept within full scale.</summary>
public static partial class VoiceText
{
    public sealed record Sentence(string Text, int Start);

    /// <summary>The sentences of a text with where each starts, so word timings map back to the script.</summary>
    public static IEnumerable<Sentence> Sentences(string text)
    {
        foreach (Match m in SentencePattern().Matches(text))
        {
            if (m.Value.Trim().Length > 0)
            {
                yield return new Sentence(m.Value.Trim(), m.Index + (m.Value.Length - m.Value.TrimStart().Length));
            }
        }
    }

    /// <summary>
    /// Speaks a narration sentence by sentence: espeak-ng's IPA phonemes for each go to
    /// <paramref name="speak"/> (one model call), a short silence joins them, and as these models give
    /// no word timings, each sentence's words share its sounding span in proportion to their letters.
    /// </summary>
    public static async Task<SpokenText> SpeakAsync(RewrittenText text, string language, int sampleRate,
        Func<string, CancellationToken, Task<float[]>> speak, CancellationToken ct)
    {
        const double sentenceSilence = 0.2;
        var samples = new List<short>();
        var words = new List<WordTiming>();
        foreach (var sentence in Sentences(text.Spoken))
        {
            var phonemes = string.Join(' ', await EspeakLibrary.PhonemizeAsync(sentence.Text, language, ct));
            var audio = await speak(phonemes, ct);
            if (samples.Count > 0)
            {
                samples.AddRange(new short[(int)(sentenceSilence * sampleRate)]);
            }
            var offset = samples.Count;
            samples.AddRange(audio.Select(a => (short)Math.Clamp(a * 32767f, -32768f, 32767f)));
            words.AddRange(EstimatedWordTimings.Spread(text, sentence.Text, sentence.Start, offset, samples.Count, samples, sampleRate));
        }
        return new SpokenText([.. samples], sampleRate, words, Estimated: true);
    }

    /// <summary>A neural decoder can overshoot full scale: scaled down (never up) so nothing wraps.</summary>
    public static float[] WithinFullScale(float[] audio)
    {
        var peak = audio.Length == 0 ? 0 : audio.Max(MathF.Abs);
        if (peak > 1)
        {
            for (var i = 0; i < audio.Length; i++)
            {
                audio[i] /= peak;
            }
        }
        return audio;
    }

    [GeneratedRegex(@"[^.!?]+[.!?]*")]
    private static partial Regex SentencePattern();
}
