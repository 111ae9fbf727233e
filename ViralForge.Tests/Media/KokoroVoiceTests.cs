using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Voices;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Media;

/// <summary>Kokoro voices through ONNX Runtime with a tiny model of Kokoro's real signature and file layouts.</summary>
public sealed class KokoroVoiceTests
{
    private static KokoroSpeechEngine Kokoro(string voicesFolder) =>
        new(Options.Create(new MediaOptions { VoicesPath = voicesFolder }), NullLogger<KokoroSpeechEngine>.Instance);

    [Fact]
    public async Task Kokoro_voices_are_listed_from_both_layouts_and_speak_phonemes_with_the_style_row_of_their_length()
    {
        var voices = TestEnvironment.NewFolder("kokoro");
        using var engine = Kokoro(voices);
        Assert.Empty(await engine.VoicesAsync(CancellationToken.None));
        TinyKokoro.Write(voices);

        var listed = await engine.VoicesAsync(CancellationToken.None);
        Assert.Equal([("kokoro:af_tiny", "en-us"), ("kokoro:bf_tiny", "en-gb"), ("kokoro:zf_tiny", "cmn")], listed.Select(v => (v.Id, v.Language)));

        const string text = "Hello world. Kokoro speaks clearly.";
        var spoken = await engine.SpeakAsync(new RewrittenText(text, []), new SpeechStyle("kokoro:af_tiny", 165, 50, false, 0), CancellationToken.None);
        Assert.Equal(24000, spoken.SampleRate);
        Assert.True(spoken.Estimated, "Kokoro gives no word times; they are spread and must say so.");

        // Each token (the phonemes, padded with 0 at both ends) becomes 240 samples; the loudness shows which style row was used.
        var vocabulary = TinyKokoro.Vocabulary();
        var expected = 0;
        var offset = 0;
        foreach (var sentence in new[] { "Hello world.", "Kokoro speaks clearly." })
        {
            var phonemes = string.Join(' ', await EspeakLibrary.PhonemizeAsync(sentence, "en-us", CancellationToken.None));
            var tokens = phonemes.EnumerateRunes().Count(r => vocabulary.ContainsKey(r.ToString()));
            Assert.Equal(phonemes.EnumerateRunes().Count(), tokens);
            var length = (tokens + 2) * TinyKokoro.SamplesPerToken;
            var peak = spoken.Samples.AsSpan(offset, length).ToArray().Max(s => Math.Abs((int)s)) / 32767.0;
            Assert.InRange(peak, 0.3 * (1 + TinyKokoro.StyleFor(tokens)) * 0.995, 0.3 * (1 + TinyKokoro.StyleFor(tokens)) + 0.0001);
            expected += length;
            offset = expected + (int)(0.2 * 24000);
        }
        expected += (int)(0.2 * 24000);
        Assert.Equal(expected, spoken.Samples.Length);
        Assert.Equal(["Hello", "world.", "Kokoro", "speaks", "clearly."], spoken.Words.Select(w => w.Word));
        Assert.All(spoken.Words, w => Assert.True(w.End > w.Start));

        // Candidates differ by pace, not by length; the archive's voice speaks too.
        var other = await engine.SpeakAsync(new RewrittenText(text, []), new SpeechStyle("kokoro:af_tiny", 165, 50, false, 1), CancellationToken.None);
        Assert.Equal(spoken.Samples.Length, other.Samples.Length);
        Assert.NotEqual(spoken.Samples, other.Samples);
        Assert.NotEmpty((await engine.SpeakAsync(new RewrittenText("Ni hao.", []), new SpeechStyle("kokoro:zf_tiny", 165, 50, false, 0), CancellationToken.None)).Samples);
        Assert.Equal("cmn", await engine.LanguageOfAsync("kokoro:zf_tiny", CancellationToken.None));
    }

    [Fact]
    public async Task An_unknown_voice_and_a_model_of_another_signature_are_refused_in_words()
    {
        var voices = TestEnvironment.NewFolder("kokoro-bad");
        using var engine = Kokoro(voices);
        var text = new RewrittenText("One two three.", []);
        var absent = await Assert.ThrowsAsync<ArgumentException>(() => engine.SpeakAsync(text, new SpeechStyle("kokoro:af_tiny", 165, 50, false, 0), CancellationToken.None));
        Assert.Contains("Kokoro is not installed", absent.Message, StringComparison.Ordinal);

        var folder = TinyKokoro.Write(voices);
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => engine.SpeakAsync(text, new SpeechStyle("kokoro:af_nobody", 165, 50, false, 0), CancellationToken.None));
        Assert.Contains("af_tiny, bf_tiny, zf_tiny", unknown.Message, StringComparison.Ordinal);

        // A Piper model put in its place: refused with what Kokoro takes, and picked up again once replaced.
        var piper = TinyPiperVoice.Write(TestEnvironment.NewFolder("kokoro-piper"));
        File.Copy(piper, Path.Combine(folder, "model.onnx"), overwrite: true);
        File.SetLastWriteTimeUtc(Path.Combine(folder, "model.onnx"), DateTime.UtcNow.AddMinutes(1));
        var wrong = await Assert.ThrowsAsync<ArgumentException>(() => engine.SpeakAsync(text, new SpeechStyle("kokoro:af_tiny", 165, 50, false, 0), CancellationToken.None));
        Assert.Contains("not a Kokoro model", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("input_ids, style and speed", wrong.Message, StringComparison.Ordinal);
        Assert.Empty(await engine.VoicesAsync(CancellationToken.None));

        File.Delete(Path.Combine(folder, "model.onnx"));
        TinyKokoro.Write(voices);
        File.SetLastWriteTimeUtc(Path.Combine(folder, "model.onnx"), DateTime.UtcNow.AddMinutes(2));
        Assert.NotEmpty((await engine.SpeakAsync(text, new SpeechStyle("kokoro:af_tiny", 165, 50, false, 0), CancellationToken.None)).Samples);
    }
}
