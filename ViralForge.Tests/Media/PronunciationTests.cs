using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using ViralForge.Core.Data;
using ViralForge.Core.Extensions;
using ViralForge.Core.Media;
using ViralForge.Core.Narration;
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
        var cs = await TestEnvironment.CreateDatabaseAsync("pron");
        var options = new DbContextOptionsBuilder<ViralForgeDbContext>();
        CoreServiceCollectionExtensions.ConfigureDb(cs)(options);
        await using (var db = new ViralForgeDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
        }
        var factory = new PooledDbContextFactory<ViralForgeDbContext>(options.Options);
        var service = new PronunciationService(factory, TimeProvider.System);

        var saved = await service.SaveAsync(Entry("GIF", "jif"), "admin@test", CancellationToken.None);
        saved.SaysAs = "ghif";
        await service.SaveAsync(saved, "admin@test", CancellationToken.None);
        Assert.Contains("already an entry", (await Assert.ThrowsAsync<ArgumentException>(() => service.SaveAsync(Entry("GIF", "x"), "admin@test", CancellationToken.None))).Message);
        Assert.Contains("brackets", (await Assert.ThrowsAsync<ArgumentException>(() => service.SaveAsync(Entry("A", "[[x]]"), "admin@test", CancellationToken.None))).Message);
        await service.DeleteAsync(saved.Id, "admin@test", CancellationToken.None);

        Assert.Empty(await service.ListAsync(CancellationToken.None));
        var history = await service.HistoryAsync(CancellationToken.None);
        Assert.Equal(["pronunciation.delete", "pronunciation.change", "pronunciation.add"], history.Select(h => h.Action));
        Assert.Contains("jif", history[1].DetailsJson);
        Assert.Contains("ghif", history[1].DetailsJson);
    }

    private static async Task<string> Phonemes(string text)
    {
        var result = await ProcessRunner.RunAsync("espeak-ng", ["-q", "-x", "-v", "en-us", text], TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        return result.StdOut;
    }
}
