using ViralForge.Core.Narration.Alignment;

namespace ViralForge.Tests.Media;

/// <summary>Matching what a recogniser heard to the script's words, and timing those it heard otherwise.</summary>
public sealed class HeardWordMatcherTests
{
    private static List<(string Word, IReadOnlyList<string> Tokens)> Script(params string[] words) =>
        words.Select(w => (w, (IReadOnlyList<string>)[w])).ToList();

    [Fact]
    public void Heard_words_lend_their_times_and_unheard_ones_share_the_gap_by_length()
    {
        var script = Script("Octopuses", "have", "three", "hearts.");
        HeardWord[] heard = [new("octopuses", 0.10, 0.70), new("have", 0.72, 0.90), new("3", 0.95, 1.20), new("hearts", 1.30, 1.80)];

        var timed = HeardWordMatcher.Match(script, heard, 2.0, 0.6);

        Assert.NotNull(timed);
        Assert.Equal([0.10, 0.72, 0.90, 1.30], timed.Select(t => t.Start));
        Assert.Equal([0.70, 0.90, 1.30, 1.80], timed.Select(t => t.End));
        Assert.Equal(["Octopuses", "have", "three", "hearts."], timed.Select(t => t.Word));
    }

    [Fact]
    public void Words_missing_at_the_ends_are_placed_before_the_first_and_after_the_last_heard_word()
    {
        var script = Script("Well", "bananas", "are", "berries", "indeed");
        HeardWord[] heard = [new("Bananas", 0.5, 0.9), new("are", 0.9, 1.1), new("berries!", 1.1, 1.6)];

        var timed = HeardWordMatcher.Match(script, heard, 2.4, 0.6)!;

        Assert.Equal(0, timed[0].Start);
        Assert.Equal(0.5, timed[0].End);
        Assert.Equal(1.6, timed[4].Start);
        Assert.Equal(2.4, timed[4].End);
    }

    [Fact]
    public void Too_few_words_in_common_is_no_alignment_and_order_matters()
    {
        var script = Script("honey", "never", "spoils", "in", "tombs");
        HeardWord[] other = [new("money", 0, 0.3), new("never", 0.3, 0.6), new("sleeps", 0.6, 1.0)];
        Assert.Null(HeardWordMatcher.Match(script, other, 1.0, 0.6));

        // The same words heard in another order match only as a subsequence.
        HeardWord[] shuffled = [new("tombs", 0, 0.2), new("in", 0.2, 0.3), new("spoils", 0.3, 0.5), new("never", 0.5, 0.7), new("honey", 0.7, 1.0)];
        Assert.Null(HeardWordMatcher.Match(script, shuffled, 1.0, 0.6));
    }

    [Fact]
    public void A_respelled_word_matches_as_written_or_as_said_and_repeated_words_keep_their_order()
    {
        // The dictionary had "GIF" said as "jif": a recogniser may write either.
        List<(string Word, IReadOnlyList<string> Tokens)> script = [("the", ["the"]), ("GIF", ["jif"]), ("the", ["the"]), ("end", ["end"])];
        HeardWord[] heard = [new("The", 0.0, 0.2), new("jif", 0.2, 0.6), new("the", 0.7, 0.8), new("end.", 0.8, 1.2)];

        var timed = HeardWordMatcher.Match(script, heard, 1.3, 0.6)!;

        Assert.Equal([0.0, 0.2, 0.7, 0.8], timed.Select(t => t.Start));
        Assert.Equal("GIF", timed[1].Word);
    }
}
