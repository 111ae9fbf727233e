using ViralForge.Core.Narration;

namespace ViralForge.Tests.Unit;

public sealed class NarrationMarkupTests
{
    [Fact]
    public void Pauses_and_emphasis_become_segments_and_vanish_from_the_plain_text()
    {
        var segments = NarrationMarkup.Parse("Wait for it [pause 800ms] this is *really* big. [pause] Done [pause 1.5s]");

        Assert.Equal<NarrationSegment>(
        [
            new SpokenPhrase("Wait for it", false), new Pause(0.8), new SpokenPhrase("this is", false), new SpokenPhrase("really", true),
            new SpokenPhrase("big.", false), new Pause(0.5), new SpokenPhrase("Done", false), new Pause(1.5),
        ], segments);
        Assert.Equal("Wait for it this is really big. Done", NarrationMarkup.Plain("Wait for it [pause 800ms] this is *really* big. [pause] Done [pause 1.5s]"));
    }

    [Theory]
    [InlineData("Too long [pause 4s] here", "at most 3 s")]
    [InlineData("Unknown [breath] tag", "is not narration markup")]
    [InlineData("An *open emphasis", "not closed")]
    [InlineData("[pause]", "no words")]
    public void Bad_markup_is_explained(string narration, string expected)
    {
        var errors = NarrationMarkup.Validate(narration);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.Throws<FormatException>(() => NarrationMarkup.Parse(narration));
    }

    [Fact]
    public void Dictionary_phoneme_input_is_not_mistaken_for_markup() =>
        Assert.Empty(NarrationMarkup.Validate("Say [[h@'loU]] to everyone [pause 200ms] now."));
}
