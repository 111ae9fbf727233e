using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Voices;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Media;

public sealed class NarrationVoiceTests
{
    private static PiperSpeechEngine Piper(string folder) =>
        new(Options.Create(new MediaOptions { VoicesPath = folder }), NullLogger<PiperSpeechEngine>.Instance);

    [Fact]
    public async Task A_piper_voice_speaks_through_onnx_runtime_to_a_wav()
    {
        var folder = TestEnvironment.NewFolder("piper");
        TinyPiperVoice.Write(folder);
        using var engine = Piper(folder);

        var listed = Assert.Single(await engine.VoicesAsync(CancellationToken.None));
        Assert.Equal(("piper:tiny", "en-us"), (listed.Id, listed.Language));

        const string text = "Hello world. Piper speaks clearly.";
        var spoken = await engine.SpeakAsync(new RewrittenText(text, []), new SpeechStyle("piper:tiny", 165, 50, false, 0), CancellationToken.None);

        // The model turns each phoneme id into 256 samples: the audio's length proves the ids went through the voice's map.
        var map = TinyPiperVoice.PhonemeIdMap();
        var expected = 0;
        foreach (var sentence in new[] { "Hello world.", "Piper speaks clearly." })
        {
            var phonemes = string.Join(' ', await EspeakLibrary.PhonemizeAsync(sentence, "en-us", CancellationToken.None));
            Assert.Contains("ˈ", phonemes, StringComparison.Ordinal); // IPA, stress marks included
            var known = phonemes.EnumerateRunes().Count(r => map.ContainsKey(r.ToString()));
            Assert.Equal(phonemes.EnumerateRunes().Count(), known);
            expected += (2 * known + 3) * TinyPiperVoice.SamplesPerId;
        }
        expected += (int)(0.2 * TinyPiperVoice.SampleRate);
        Assert.Equal(TinyPiperVoice.SampleRate, spoken.SampleRate);
        Assert.True(spoken.Estimated);
        Assert.Equal(expected, spoken.Samples.Length);

        Assert.Equal(["Hello", "world.", "Piper", "speaks", "clearly."], spoken.Words.Select(w => w.Word));
        for (var i = 0; i < spoken.Words.Count; i++)
        {
            Assert.True(spoken.Words[i].End > spoken.Words[i].Start);
            Assert.True(i == 0 || spoken.Words[i].Start >= spoken.Words[i - 1].End - 0.001);
            Assert.InRange(spoken.Words[i].End, 0, spoken.Seconds + 0.001);
        }

        var wav = Path.Combine(folder, "piper.wav");
        await EspeakLibrary.WriteWavAsync(wav, spoken, CancellationToken.None);
        var probe = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,sample_rate,duration", "-of", "csv=p=0", wav], TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.StartsWith($"pcm_s16le,{TinyPiperVoice.SampleRate},", probe.StdOut.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Piper_candidates_differ_by_noise_scale_and_a_bad_model_is_refused_plainly()
    {
        var folder = TestEnvironment.NewFolder("piper-bad");
        TinyPiperVoice.Write(folder);
        using var engine = Piper(folder);
        var text = new RewrittenText("One two three.", []);
        var first = await engine.SpeakAsync(text, new SpeechStyle("piper:tiny", 165, 50, false, 0), CancellationToken.None);
        var second = await engine.SpeakAsync(text, new SpeechStyle("piper:tiny", 165, 50, false, 1), CancellationToken.None);
        Assert.Equal(first.Samples.Length, second.Samples.Length);
        Assert.NotEqual(first.Samples, second.Samples);

        await File.WriteAllTextAsync(Path.Combine(folder, "broken.onnx"), "not a model");
        File.Copy(Path.Combine(folder, "tiny.onnx.json"), Path.Combine(folder, "broken.onnx.json"));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => engine.SpeakAsync(text, new SpeechStyle("piper:broken", 165, 50, false, 0), CancellationToken.None));
        Assert.Contains("cannot be loaded", error.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<ArgumentException>(() => engine.SpeakAsync(text, new SpeechStyle("piper:nobody", 165, 50, false, 0), CancellationToken.None));
        Assert.Contains("nobody.onnx", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dictionary_entry_given_as_phonemes_reaches_a_piper_voice()
    {
        var entry = new Core.Data.Pronunciation { Term = "GIF", SaysAs = "dZIf", IsPhonemes = true, Language = "en" };
        var rewritten = PronunciationRewriter.Apply("A GIF today.", "en-us", [entry]);
        var plain = string.Join(' ', await EspeakLibrary.PhonemizeAsync("A GIF today.", "en-us", CancellationToken.None));
        var changed = string.Join(' ', await EspeakLibrary.PhonemizeAsync(rewritten.Spoken, "en-us", CancellationToken.None));
        Assert.NotEqual(plain, changed);
        Assert.True(changed.Contains("dʒ", StringComparison.Ordinal), $"{rewritten.Spoken} → {changed} (plain {plain})");
        Assert.DoesNotContain("dʒ", plain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loudness_measured_in_process_agrees_with_ffmpeg_ebur128()
    {
        var folder = TestEnvironment.NewFolder("loudness");
        var spoken = await EspeakLibrary.SpeakAsync("Loudness is measured the same way everywhere in the studio.", "en-us", 165, 50, CancellationToken.None);
        var wav = Path.Combine(folder, "speech.wav");
        await EspeakLibrary.WriteWavAsync(wav, spoken, CancellationToken.None);

        var (ffmpeg, _) = await EbuR128.MeasureAsync(wav);

        Assert.InRange(LoudnessMeter.IntegratedLufs(spoken.Samples, spoken.SampleRate), ffmpeg - 0.3, ffmpeg + 0.3);
    }

    [Fact]
    public async Task Espeak_candidates_vary_rate_and_pitch_and_emphasis_slows_a_phrase()
    {
        var engine = new EspeakSpeechEngine();
        var text = new RewrittenText("This narration is spoken three times.", []);
        var lengths = new List<int>();
        for (var variant = 0; variant < 3; variant++)
        {
            lengths.Add((await engine.SpeakAsync(text, new SpeechStyle("en-us", 165, 50, false, variant), CancellationToken.None)).Samples.Length);
        }
        Assert.Equal(3, lengths.Distinct().Count());
        var stressed = await engine.SpeakAsync(text, new SpeechStyle("en-us", 165, 50, true, 0), CancellationToken.None);
        Assert.True(stressed.Samples.Length > lengths[0] * 1.08, "Emphasis should slow the phrase down.");
        Assert.False(stressed.Estimated, "espeak-ng times every word itself.");
    }

    [Fact]
    public async Task Written_pauses_are_inserted_and_words_keep_their_place()
    {
        var segments = NarrationMarkup.Parse("First part. [pause 1s] Second part.");
        var spoken = await NarrationSynthesizer.SpeakAsync(new EspeakSpeechEngine(), segments, [], "en-us", new SpeechStyle("en-us", 165, 50, false, 0), CancellationToken.None);
        Assert.Equal(["First", "part.", "Second", "part."], spoken.Words.Select(w => w.Word));
        // The gap between the phrases holds the second of silence plus espeak's own phrase-final tail.
        Assert.InRange(spoken.Words[2].Start - spoken.Words[1].End, 1.0, 1.8);
    }
}
