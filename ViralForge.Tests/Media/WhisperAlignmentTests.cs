using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Narration;
using ViralForge.Core.Narration.Alignment;
using ViralForge.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ViralForge.Tests.Media;

/// <summary>
/// Word times from a user's Whisper model, through Whisper.net and whisper.cpp for real, on tiny models
/// of the real file layout that "hear" a given sentence (TinyWhisper), speaking over espeak-ng speech.
/// </summary>
public sealed class WhisperAlignmentTests(ITestOutputHelper output)
{
    private static WhisperAligner Aligner(string? model, AlignmentOptions? options = null)
    {
        var o = options ?? new AlignmentOptions();
        o.WhisperModelPath = model;
        o.WhisperThreads = 2;
        return new WhisperAligner(Options.Create(o), NullLogger<WhisperAligner>.Instance);
    }

    private static async Task<(RewrittenText Text, SpokenText Spoken)> SpeakAsync(string sentence, string voice = "en-us")
    {
        var text = PronunciationRewriter.Apply(sentence, voice, []);
        var spoken = await EspeakLibrary.SpeakAsync(text, voice, 165, 50, CancellationToken.None);
        return (text, spoken with { Estimated = true });
    }

    /// <summary>espeak-ng saying a sentence, and a tiny model that hears exactly it over the whole sound.</summary>
    private static async Task<(RewrittenText Text, SpokenText Spoken, string Model, double To)> HeardFoxAsync(string folder)
    {
        var (text, spoken) = await SpeakAsync("The quick brown fox jumps over lazy dogs.");
        var model = Path.Combine(TestEnvironment.NewFolder(folder), "ggml-tiny-test.bin");
        var to = Math.Round(spoken.Seconds - 0.1, 1);
        TinyWhisper.Write(model, [" The", " quick", " brown", " fox", " jumps", " over", " lazy", " dogs", "."], 0, to);
        return (text, spoken, model, to);
    }

    [Fact]
    public async Task The_words_whisper_hears_are_matched_to_the_script_and_timed_inside_what_it_heard()
    {
        var (text, spoken, model, to) = await HeardFoxAsync("whisper-hears");
        using var aligner = Aligner(model);
        Assert.Null(aligner.Unavailable);
        Assert.Contains("custom Whisper model (English only", aligner.Describe());
        Assert.True(aligner.Handles("en-us"));

        var aligned = await aligner.AlignAsync(text, spoken, "en-us", CancellationToken.None);

        Assert.NotNull(aligned);
        Assert.Equal(spoken.Words.Select(w => w.Word), aligned.Select(w => w.Word));
        for (var i = 0; i < aligned.Count; i++)
        {
            output.WriteLine($"{aligned[i].Word,-8} espeak {spoken.Words[i].Start:0.000}  whisper {aligned[i].Start:0.000}-{aligned[i].End:0.000}");
            Assert.InRange(aligned[i].Start, 0, to);
            Assert.InRange(aligned[i].End, aligned[i].Start, spoken.Seconds);
            if (i > 0)
            {
                Assert.True(aligned[i].Start >= aligned[i - 1].Start, $"'{aligned[i].Word}' starts before the word before it.");
            }
        }
        // whisper.cpp spreads the words over the sound it heard them in, not all at one instant.
        Assert.True(aligned[^1].Start - aligned[0].Start > spoken.Seconds / 3, "The words were not spread over the speech.");
    }

    [Fact]
    public async Task A_word_heard_otherwise_shares_the_gap_between_its_neighbours_and_another_sentence_is_refused()
    {
        var (text, spoken) = await SpeakAsync("In 2024 the telescope spotted forty-two moons.");
        var folder = TestEnvironment.NewFolder("whisper-otherwise");
        var model = Path.Combine(folder, "ggml-test.bin");
        var to = Math.Round(spoken.Seconds - 0.1, 1);
        // As Whisper writes numbers: "42" for the script's "forty-two".
        TinyWhisper.Write(model, [" In", " 2024", " the", " telescope", " spotted", " 42", " moons", "."], 0, to);
        using var aligner = Aligner(model);

        var aligned = await aligner.AlignAsync(text, spoken, "en", CancellationToken.None);

        Assert.NotNull(aligned);
        Assert.Equal(["In", "2024", "the", "telescope", "spotted", "forty-two", "moons."], aligned.Select(w => w.Word));
        var (spotted, fortyTwo, moons) = (aligned[4], aligned[5], aligned[6]);
        Assert.InRange(fortyTwo.Start, spotted.Start, moons.Start);
        Assert.InRange(fortyTwo.End, fortyTwo.Start, moons.Start);

        // The same model on a narration it does not hear is no alignment; the page says why.
        var (other, otherSpoken) = await SpeakAsync("Honey never spoils in ancient tombs.");
        Assert.Null(await aligner.AlignAsync(other, otherSpoken, "en", CancellationToken.None));
        Assert.Contains("did not hear the text", aligner.WhyEstimated("en"));
    }

    [Fact]
    public async Task A_multilingual_model_aligns_other_languages_and_an_english_only_one_says_it_cannot()
    {
        var folder = TestEnvironment.NewFolder("whisper-languages");
        var english = Path.Combine(folder, "ggml-tiny.en-test.bin");
        TinyWhisper.Write(english, [" Hello"], 0, 1);
        using (var englishOnly = Aligner(english))
        {
            Assert.False(englishOnly.Handles("de"));
            Assert.Contains("English only", englishOnly.WhyEstimated("de"));
            Assert.Contains("does not know 'de'", englishOnly.WhyEstimated("de"));
        }

        var (text, spoken) = await SpeakAsync("Der schnelle braune Fuchs springt.", "de");
        var multilingual = Path.Combine(folder, "ggml-tiny-test.bin");
        TinyWhisper.Write(multilingual, [" Der", " schnelle", " braune", " Fuchs", " springt", "."], 0, Math.Round(spoken.Seconds - 0.1, 1), multilingual: true);
        using var aligner = Aligner(multilingual);
        Assert.True(aligner.Handles("de"));
        Assert.True(aligner.Handles("pt-BR"));
        Assert.False(aligner.Handles("tlh"));

        var aligned = await aligner.AlignAsync(text, spoken, "de", CancellationToken.None);

        Assert.NotNull(aligned);
        Assert.Equal(["Der", "schnelle", "braune", "Fuchs", "springt."], aligned.Select(w => w.Word));
    }

    [Fact]
    public async Task A_model_replaced_on_disk_is_loaded_again()
    {
        var (text, spoken) = await SpeakAsync("Cats sleep all day.");
        var model = Path.Combine(TestEnvironment.NewFolder("whisper-replaced"), "ggml-test.bin");
        var to = Math.Round(spoken.Seconds - 0.1, 1);
        TinyWhisper.Write(model, [" Dogs", " bark", " at", " night", "."], 0, to);
        using var aligner = Aligner(model);
        Assert.Null(await aligner.AlignAsync(text, spoken, "en", CancellationToken.None));

        TinyWhisper.Write(model, [" Cats", " sleep", " all", " day", "."], 0, to);
        File.SetLastWriteTimeUtc(model, DateTime.UtcNow.AddSeconds(5));

        Assert.NotNull(await aligner.AlignAsync(text, spoken, "en", CancellationToken.None));
    }

    [Fact]
    public async Task What_is_not_a_whisper_model_is_refused_in_words_before_whisper_cpp_sees_it()
    {
        var folder = TestEnvironment.NewFolder("whisper-refused");
        Assert.Contains("No Whisper model is configured", Aligner(null).Unavailable);
        Assert.Contains("No Whisper model at", Aligner(Path.Combine(folder, "missing.bin")).Unavailable);
        Assert.Contains("switched off", Aligner(Path.Combine(folder, "missing.bin"), new AlignmentOptions { Enabled = false }).Unavailable);

        var gguf = Path.Combine(folder, "model.gguf");
        await File.WriteAllBytesAsync(gguf, [.. "GGUF"u8, .. new byte[60]]);
        Assert.Contains("is not a whisper.cpp ggml model", Aligner(gguf).Unavailable);

        var shortFile = Path.Combine(folder, "short.bin");
        await File.WriteAllBytesAsync(shortFile, [0x6c, 0x6d, 0x67, 0x67]);
        Assert.Contains("too short", Aligner(shortFile).Unavailable);

        // The right magic with a language model's vocabulary and layer sizes (a llama.cpp-era ggml file).
        var llama = Path.Combine(folder, "ggml-llama.bin");
        await using (var w = new BinaryWriter(File.Create(llama)))
        {
            w.Write(0x67676d6c);
            foreach (var v in new[] { 32000, 4096, 4096, 32, 32, 2048, 4096, 32, 32, 80, 1 })
            {
                w.Write(v);
            }
        }
        var refusal = Aligner(llama).Unavailable;
        Assert.Contains("32000 tokens is not Whisper's", refusal);
        var (text, spoken) = await SpeakAsync("Nothing to hear.");
        using var refused = Aligner(llama);
        Assert.False(refused.Handles("en"));
        Assert.Null(await refused.AlignAsync(text, spoken, "en", CancellationToken.None));
    }

    [Fact]
    public async Task Pocketsphinx_aligns_english_first_and_whisper_takes_over_where_it_cannot()
    {
        var (text, spoken, model, _) = await HeardFoxAsync("whisper-order");
        using var whisper = Aligner(model);
        var pocketSphinx = new PocketSphinxAligner(Options.Create(new AlignmentOptions()), NullLogger<PocketSphinxAligner>.Instance);
        var both = new WordAligners(pocketSphinx, whisper);

        var first = await both.AlignAsync(text, spoken, "en-us", CancellationToken.None);
        var byPocketSphinx = await pocketSphinx.AlignAsync(text, spoken, "en-us", CancellationToken.None);
        Assert.NotNull(byPocketSphinx);
        Assert.Equal(byPocketSphinx, first);

        var missing = new PocketSphinxAligner(Options.Create(new AlignmentOptions { Command = "no-such-aligner" }), NullLogger<PocketSphinxAligner>.Instance);
        var whisperOnly = new WordAligners(missing, whisper);
        Assert.Null(whisperOnly.Unavailable);
        Assert.Equal(await whisper.AlignAsync(text, spoken, "en-us", CancellationToken.None), await whisperOnly.AlignAsync(text, spoken, "en-us", CancellationToken.None));

        // Neither speaks Welsh: the page names both reasons.
        using var noWhisper = Aligner(null);
        var why = new WordAligners(pocketSphinx, noWhisper).WhyEstimated("cy");
        Assert.Contains("English model only", why);
        Assert.Contains("WhisperModelPath", why);
    }
}
