using ViralForge.Core.Script;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Unit;

public sealed class ScriptValidatorTests
{
    [Fact]
    public void A_well_formed_script_passes() => Assert.Empty(ScriptValidator.Validate(TestScripts.Brief()));

    [Theory]
    [InlineData(3, 2.0, "4 to 10 scenes")]
    [InlineData(11, 2.0, "4 to 10 scenes")]
    [InlineData(4, 1.5, "must last 2–4 s")]
    [InlineData(4, 4.5, "must last 2–4 s")]
    [InlineData(4, double.NaN, "must last 2–4 s")]
    public void Scene_counts_and_durations_are_bounded(int scenes, double seconds, string expected) =>
        Assert.Contains(ScriptValidator.Validate(TestScripts.Brief(scenes, seconds)), e => e.Contains(expected));

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var script = TestScripts.Brief() with
        {
            Title = new string('x', 101),
            Hashtags = ["ok", "not ok!", "#fine"],
            Scenes = [.. TestScripts.Brief().Scenes.Select((s, i) => i == 0 ? s with { Narration = "" } : i == 1 ? s with { Visual = "bad\u0007bell" } : s)],
        };
        var errors = ScriptValidator.Validate(script);
        Assert.Contains(errors, e => e.Contains("Title is 101 characters"));
        Assert.Contains(errors, e => e.Contains("Hashtag \"not ok!\""));
        Assert.Contains(errors, e => e.Contains("Scene 1 narration is required"));
        Assert.Contains(errors, e => e.Contains("Scene 2 visual description contains control characters"));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void Search_terms_are_optional_short_and_at_most_three_and_old_scenes_keep_their_json()
    {
        var brief = TestScripts.Brief();
        Assert.DoesNotContain("searchTerms", brief.ToJson());
        var scenes = brief.Scenes.Select((s, i) => i switch
        {
            0 => s with { SearchTerms = ["reef diver", "coral"] },
            1 => s with { SearchTerms = ["a", "b", "c", "d"] },
            2 => s with { SearchTerms = [new string('x', 41)] },
            _ => s,
        }).ToList();
        var errors = ScriptValidator.Validate(brief with { Scenes = scenes });
        Assert.Contains(errors, e => e.Contains("Scene 2 has 4 search terms; at most 3"));
        Assert.Contains(errors, e => e.Contains("is 41 characters; the limit is 40"));
        Assert.Equal(2, errors.Count);
        var parsed = ScriptDocument.Parse((brief with { Scenes = [scenes[0], .. brief.Scenes.Skip(1)] }).ToJson());
        Assert.True(parsed.IsValid, string.Join(" ", parsed.Errors));
        Assert.Equal(["reef diver", "coral"], parsed.Script!.Scenes[0].SearchTerms!);
        Assert.Equal("reef diver", ViralForge.Core.Clips.Stock.StockClips.TermsFor(parsed.Script.Scenes[0]));
    }

    [Fact]
    public void Parsing_rejects_malformed_json_and_unknown_fields_with_a_reason()
    {
        Assert.Contains("not valid JSON", ScriptDocument.Parse("{\"title\": ").Errors.Single());
        Assert.Contains("not valid JSON", ScriptDocument.Parse("{\"title\": \"x\", \"evil\": 1}").Errors.Single());
        var roundTrip = ScriptDocument.Parse(TestScripts.Brief().ToJson());
        Assert.True(roundTrip.IsValid);
        Assert.Equal(TestScripts.Brief().Scenes, roundTrip.Script!.Scenes);
    }
}
