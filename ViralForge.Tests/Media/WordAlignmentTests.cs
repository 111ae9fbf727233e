using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Narration;
using ViralForge.Core.Narration.Alignment;
using Xunit.Abstractions;

namespace ViralForge.Tests.Media;

/// <summary>
/// Forced alignment with Debian's pocketsphinx and its US-English model, checked on espeak-ng speech,
/// where each word's true start is known from espeak's own word events.
/// </summary>
public sealed class WordAlignmentTests(ITestOutputHelper output)
{
    private static PocketSphinxAligner Aligner(AlignmentOptions? options = null) =>
        new(Options.Create(options ?? new AlignmentOptions()), NullLogger<PocketSphinxAligner>.Instance);

    private static readonly string[] Narrations =
    [
        "Octopuses have three hearts. Their blood is blue, thanks to copper.",
        "In 2024 the Zorblax telescope spotted forty-two new moons around Saturn.",
        "Honey never spoils: archaeologists found edible honey in ancient Egyptian tombs.",
        "A GIF loops forever, but your attention span doesn't.",
        "Bananas are berries, yet strawberries are not — botany is strange!",
        // Pruned to no path at all with the beams once used.
        "The quick brown fox jumps over lazy dogs.",
    ];

    [Fact]
    public async Task Word_starts_on_espeak_speech_are_within_80_ms_of_espeaks_own_events()
    {
        var aligner = Aligner();
        Assert.Null(aligner.Unavailable);
        // A dictionary respelling and a phoneme entry are aligned as they are said, and captioned as written.
        Pronunciation[] dictionary =
        [
            new() { Term = "GIF", SaysAs = "jif", Language = "en" },
            new() { Term = "Zorblax", SaysAs = "z'O@bl,aks", IsPhonemes = true, Language = "en" },
        ];
        var errors = new List<double>();
        foreach (var narration in Narrations)
        {
            var text = PronunciationRewriter.Apply(narration, "en-us", dictionary);
            var truth = await EspeakLibrary.SpeakAsync(text, "en-us", 165, 50, CancellationToken.None);
            // Handed over as an engine without word times would hand it.
            var aligned = await aligner.AlignAsync(text, truth with { Estimated = true }, "en-us", CancellationToken.None);
            Assert.NotNull(aligned);
            Assert.Equal(truth.Words.Select(w => w.Word), aligned.Select(w => w.Word));
            for (var i = 0; i < aligned.Count; i++)
            {
                Assert.InRange(aligned[i].Start, 0, truth.Seconds);
                Assert.InRange(aligned[i].End, aligned[i].Start, truth.Seconds + 0.02);
                if (i > 0)
                {
                    Assert.True(aligned[i].Start >= aligned[i - 1].End - 0.001, $"'{aligned[i].Word}' overlaps the word before it.");
                }
                errors.Add(Math.Abs(aligned[i].Start - truth.Words[i].Start));
                output.WriteLine($"{aligned[i].Word,-16} espeak {truth.Words[i].Start:0.000}  aligned {aligned[i].Start:0.000}");
            }
        }
        errors.Sort();
        var median = errors[errors.Count / 2];
        output.WriteLine($"median start error {median * 1000:0} ms over {errors.Count} words; 90th percentile {errors[errors.Count * 9 / 10] * 1000:0} ms");
        Assert.True(median <= 0.080, $"Median word-start error {median * 1000:0} ms is over the 80 ms target.");
    }

    [Fact]
    public async Task Sound_that_is_not_the_text_is_not_aligned()
    {
        var aligner = Aligner();
        var text = new RewrittenText("Octopuses have three hearts and blue blood.", []);
        var other = await EspeakLibrary.SpeakAsync("The quick brown fox jumps over the lazy dog by the river bank today.", "en-us", 165, 50, CancellationToken.None);
        Assert.Null(await aligner.AlignAsync(text, other, "en-us", CancellationToken.None));

        var rate = 22050;
        var tone = Enumerable.Range(0, rate * 3).Select(i => (short)(8000 * Math.Sin(2 * Math.PI * 220 * i / rate))).ToArray();
        Assert.Null(await aligner.AlignAsync(text, new SpokenText(tone, rate, [], Estimated: true), "en-us", CancellationToken.None));
        var random = new Random(7);
        var noise = Enumerable.Range(0, rate * 3).Select(_ => (short)random.Next(-6000, 6000)).ToArray();
        Assert.Null(await aligner.AlignAsync(text, new SpokenText(noise, rate, [], Estimated: true), "en-us", CancellationToken.None));
    }

    [Fact]
    public async Task Other_languages_and_a_missing_model_keep_the_estimate_and_say_why()
    {
        var french = await EspeakLibrary.SpeakAsync("Les pieuvres ont trois cœurs.", "fr", 165, 50, CancellationToken.None);
        Assert.False(Aligner().Handles("fr"));
        Assert.Null(await Aligner().AlignAsync(new RewrittenText("Les pieuvres ont trois cœurs.", []), french, "fr", CancellationToken.None));

        var missing = Aligner(new AlignmentOptions { ModelPath = "/nonexistent/model" });
        Assert.Contains("install pocketsphinx-en-us", missing.Unavailable);
        var english = await EspeakLibrary.SpeakAsync("Three hearts.", "en-us", 165, 50, CancellationToken.None);
        Assert.Null(await missing.AlignAsync(new RewrittenText("Three hearts.", []), english, "en-us", CancellationToken.None));
        Assert.Contains("not installed", Aligner(new AlignmentOptions { Command = "no-such-aligner" }).Unavailable);
        Assert.Contains("switched off", Aligner(new AlignmentOptions { Enabled = false }).Unavailable);
    }

    [Fact]
    public async Task A_narration_from_an_engine_without_word_times_is_aligned_phrase_by_phrase()
    {
        // An engine that speaks with espeak-ng but, like Piper or an endpoint, hands back only the sound.
        var engine = new SoundOnlyEngine();
        var segments = NarrationMarkup.Parse("Octopuses have three hearts. [pause 500ms] Their blood is blue.");
        var spoken = await NarrationSynthesizer.SpeakAsync(engine, segments, [], "en-us", new SpeechStyle("en-us", 165, 50, false, 0), CancellationToken.None, Aligner());
        Assert.True(spoken.Aligned);
        Assert.False(spoken.Estimated);
        var truth = await NarrationSynthesizer.SpeakAsync(new EspeakSpeechEngine(), segments, [], "en-us", new SpeechStyle("en-us", 165, 50, false, 0), CancellationToken.None);
        Assert.Equal(truth.Words.Select(w => w.Word), spoken.Words.Select(w => w.Word));
        // The second phrase's words are placed after the pause, as measured.
        for (var i = 0; i < truth.Words.Count; i++)
        {
            Assert.True(Math.Abs(truth.Words[i].Start - spoken.Words[i].Start) <= 0.15, $"'{truth.Words[i].Word}': {spoken.Words[i].Start} vs {truth.Words[i].Start}");
        }

        var without = await NarrationSynthesizer.SpeakAsync(engine, segments, [], "en-us", new SpeechStyle("en-us", 165, 50, false, 0), CancellationToken.None);
        Assert.True(without.Estimated);
        Assert.False(without.Aligned);
    }

    private sealed class SoundOnlyEngine : ISpeechEngine
    {
        public string Name => "sound only";

        public bool Handles(string voice) => true;

        public Task<string> LanguageOfAsync(string voice, CancellationToken ct) => Task.FromResult("en-us");

        public Task<IReadOnlyList<VoiceInfo>> VoicesAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<VoiceInfo>>([]);

        public async Task<SpokenText> SpeakAsync(RewrittenText text, SpeechStyle style, CancellationToken ct)
        {
            var spoken = await EspeakLibrary.SpeakAsync(text, style.Voice, style.Rate, style.Pitch, ct);
            var estimate = EstimatedWordTimings.Spread(text, text.Spoken, 0, 0, spoken.Samples.Length, spoken.Samples, spoken.SampleRate).ToList();
            return new SpokenText(spoken.Samples, spoken.SampleRate, estimate, Estimated: true);
        }
    }
}
