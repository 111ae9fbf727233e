using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Voices;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Media;

public sealed class PronunciationTests
{
    private static Pronunciation Entry(string term, string says, string language = "en", bool phonemes = false, bool caseSensitive = false, bool wholeWord = true) =>
        new() { Term = term, SaysAs = says, Language = language, IsPhonemes = phonemes, CaseSensitive = caseSensitive, WholeWord = wholeWord };

    [Fact]
    public void Entries_apply_by_word_case_and_language_longest_first()
    {
        Pronunciation[] dictionary =
        [
            Entry("GIF", "jif"), Entry("SQL", "sequel", caseSensitive: true), Entry("New York", "noo york"), Entry("York", "yorrk"),
            Entry("Paris", "pa-ree", language: "fr"), Entry("ok", "okay", wholeWord: false),
        ];
        var rewritten = PronunciationRewriter.Apply("A gif of New York, sql and SQL in Paris; GIFs? book", "en-us", dictionary);
        Assert.Equal("A jif of noo york, sql and sequel in Paris; GIFs? bookay", rewritten.Spoken);
        Assert.Equal(["gif", "New York", "SQL", "ok"], rewritten.Replacements.Select(r => r.Original));
        Assert.Equal("Paris", rewritten.Display(37, 5, "Paris"));
        Assert.Equal("ok", rewritten.Display(52, 4, "okay"));
        Assert.Equal("gif", rewritten.Display(2, 3, "jif"));
        Assert.Equal("pa-ree", PronunciationRewriter.Apply("Paris", "fr", dictionary).Spoken);
        Assert.Equal("[[dZ'If]] files", PronunciationRewriter.Apply("GIF files", "en", [Entry("GIF", "dZ'If", phonemes: true)]).Spoken);
        Assert.Equal("How to say it may not contain brackets or control characters.", PronunciationRewriter.Validate(Entry("x", "]] evil [[")));
    }

    [Theory]
    [InlineData(false, "jif")]
    [InlineData(true, "dZ'If")]
    public async Task The_entry_changes_what_espeak_speaks(bool phonemes, string says)
    {
        const string text = "I love GIF files";
        var rewritten = PronunciationRewriter.Apply(text, "en-us", [Entry("GIF", says, phonemes: phonemes)]);
        var before = await Phonemes(text);
        var after = await Phonemes(rewritten.Spoken);
        Assert.Contains("g'If", before);
        Assert.Contains("dZ'If", after);
        Assert.DoesNotContain("g'If", after);

        // The words (and so the captions) keep what the script says.
        var spoken = await EspeakLibrary.SpeakAsync(rewritten, "en-us", 165, 50, CancellationToken.None);
        Assert.Equal(["I", "love", "GIF", "files"], spoken.Words.Select(w => w.Word));
    }

    [Fact]
    public async Task Changes_are_validated_and_recorded_with_before_and_after()
    {
        var admin = new ViralForge.Core.Security.StudioActor("admin@test", new HashSet<string> { ViralForge.Core.Security.Roles.Admin });
        var service = new PronunciationService(await TestEnvironment.CreateMigratedDatabaseAsync("pron"), new VoiceCatalog([new EspeakSpeechEngine()]), TimeProvider.System);

        var saved = await service.SaveAsync(Entry("GIF", "jif"), admin, CancellationToken.None);
        saved.SaysAs = "ghif";
        await service.SaveAsync(saved, admin, CancellationToken.None);
        Assert.Contains("already an entry", (await Assert.ThrowsAsync<ArgumentException>(() => service.SaveAsync(Entry("GIF", "x"), admin, CancellationToken.None))).Message);
        Assert.Contains("brackets", (await Assert.ThrowsAsync<ArgumentException>(() => service.SaveAsync(Entry("A", "[[x]]"), admin, CancellationToken.None))).Message);
        await service.DeleteAsync(saved.Id, admin, CancellationToken.None);

        Assert.Empty(await service.ListAsync(CancellationToken.None));
        var history = await service.HistoryAsync(CancellationToken.None);
        Assert.Equal(["pronunciation.delete", "pronunciation.change", "pronunciation.add"], history.Select(h => h.Action));
        Assert.Contains("jif", history[1].DetailsJson);
        Assert.Contains("ghif", history[1].DetailsJson);
    }

    [Fact]
    public async Task An_admin_listens_to_an_entry_with_a_piper_voice_as_well_as_with_espeak()
    {
        var folder = TestEnvironment.NewFolder("pron-listen");
        TinyPiperVoice.Write(folder);
        using var piper = new PiperSpeechEngine(Options.Create(new MediaOptions { VoicesPath = folder }), NullLogger<PiperSpeechEngine>.Instance);
        var service = new PronunciationService(await TestEnvironment.CreateMigratedDatabaseAsync("pronlisten"), new VoiceCatalog([new EspeakSpeechEngine(), piper]), TimeProvider.System);
        var entry = Entry("GIF", "jiffy graphics");

        foreach (var voice in new[] { "piper:tiny", "en-us" })
        {
            var (without, with, spoken) = await service.ListenAsync(entry, "I made a GIF.", voice, folder, CancellationToken.None);
            Assert.Equal("I made a jiffy graphics.", spoken);
            Assert.Equal("RIFF"u8.ToArray(), without[..4]);
            Assert.Equal("RIFF"u8.ToArray(), with[..4]);
            // Both voices take longer to say the longer respelling.
            Assert.True(with.Length > without.Length, $"{voice}: {with.Length} bytes with the entry, {without.Length} without.");
        }
        Assert.Empty(Directory.EnumerateFiles(folder, "*.wav"));
        await Assert.ThrowsAsync<ArgumentException>(() => service.ListenAsync(entry, "I made a GIF.", "piper:absent", folder, CancellationToken.None));
    }

    private static async Task<string> Phonemes(string text)
    {
        var result = await ProcessRunner.RunAsync("espeak-ng", ["-q", "-x", "-v", "en-us", text], TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        return result.StdOut;
    }
}
