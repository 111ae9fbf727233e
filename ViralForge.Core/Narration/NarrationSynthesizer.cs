using ViralForge.Core.Narration.Alignment;

namespace ViralForge.Core.Narration;

/// <summary>
/// Speaks a narration's segments one phrase at a time with the dictionary applied, joins them with the
/// written pauses, and shifts every phrase's word timings to its place in the whole. A phrase whose engine
/// gave no word times is aligned against its text where an aligner speaks the language; if that fails
/// it keeps the estimate.
/// </summary>
public static class NarrationSynthesizer
{
    public static async Task<SpokenText> SpeakAsync(
        ISpeechEngine engine, IReadOnlyList<NarrationSegment> segments, IReadOnlyList<Data.Pronunciation> dictionary,
        string language, SpeechStyle style, CancellationToken ct, IWordAligner? aligner = null)
    {
        var samples = new List<short>();
        var words = new List<WordTiming>();
        var sampleRate = 0;
        var estimated = false;
        var aligned = false;
        var pendingPause = 0.0;
        foreach (var segment in segments)
        {
            if (segment is Pause pause)
            {
                pendingPause += pause.Seconds;
                continue;
            }
            var phrase = (SpokenPhrase)segment;
            var text = PronunciationRewriter.Apply(phrase.Text, language, dictionary);
            var spoken = await engine.SpeakAsync(text, style with { Emphasis = phrase.Emphasis }, ct);
            if (spoken.Estimated && aligner is not null && aligner.Handles(language)
                && await aligner.AlignAsync(text, spoken, language, ct) is { } measured && measured.Count == spoken.Words.Count)
            {
                spoken = spoken with { Words = measured, Estimated = false, Aligned = true };
            }
            estimated |= spoken.Estimated;
            aligned |= spoken.Aligned;
            if (sampleRate == 0)
            {
                sampleRate = spoken.SampleRate;
            }
            else if (spoken.SampleRate != sampleRate)
            {
                throw new InvalidOperationException($"{engine.Name} changed sample rate mid-narration ({sampleRate} → {spoken.SampleRate} Hz).");
            }
            if (samples.Count > 0 || pendingPause > 0)
            {
                samples.AddRange(new short[(int)(pendingPause * sampleRate)]);
            }
            pendingPause = 0;
            var offset = (double)samples.Count / sampleRate;
            words.AddRange(spoken.Words.Select(w => w with { Start = Math.Round(w.Start + offset, 3), End = Math.Round(w.End + offset, 3) }));
            samples.AddRange(spoken.Samples);
        }
        if (sampleRate > 0 && pendingPause > 0)
        {
            samples.AddRange(new short[(int)(pendingPause * sampleRate)]);
        }
        return new SpokenText([.. samples], Math.Max(sampleRate, 1), words, estimated, aligned && !estimated);
    }
}
