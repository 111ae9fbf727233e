using System.Text.Json.Nodes;
using ViralForge.Core.Pipeline;

namespace ViralForge.Tests.Unit;

public sealed class StageParametersTests
{
    [Fact]
    public void Values_built_in_code_are_read_like_parsed_json()
    {
        // The New video form builds its parameters in code: an int stays a JsonValue<int>.
        var built = new JsonObject { ["voice"] = "en-us", ["rate"] = 165, ["pitch"] = 50, ["volume"] = 0.0, ["candidates"] = 2L };
        StageParameters.Check(StageKind.Narration, built);
        StageParameters.Check(StageKind.Narration, (JsonObject)JsonNode.Parse(built.ToJsonString())!);
        StageParameters.Check(StageKind.Narration, new JsonObject { ["rate"] = "170" });

        var high = Assert.Throws<StageParameterException>(() => StageParameters.Check(StageKind.Narration, new JsonObject { ["rate"] = 9999 }));
        Assert.Contains("'rate' is 9999; it must be between 80 and 450", high.Message);
        var half = Assert.Throws<StageParameterException>(() => StageParameters.Check(StageKind.Clips, new JsonObject { ["steps"] = 2.5 }));
        Assert.Contains("whole number", half.Message);
        var words = Assert.Throws<StageParameterException>(() => StageParameters.Check(StageKind.Narration, new JsonObject { ["rate"] = "fast" }));
        Assert.Contains("'rate' must be a number", words.Message);
    }

    [Fact]
    public void Every_problem_is_named_with_what_the_stage_accepts_and_null_means_the_default()
    {
        StageParameters.Check(StageKind.Clips, new JsonObject { ["motion"] = null, ["take"] = "abc" });
        var ex = Assert.Throws<StageParameterException>(() => StageParameters.CheckAll(new JsonObject
        {
            ["clips"] = new JsonObject { ["motoin"] = "pan-left", ["transitions"] = new JsonArray("fade") },
            ["Compose"] = new JsonObject { ["transitions"] = new JsonArray("fade", "spin") },
            ["Dance"] = new JsonObject(),
        }, strict: true));
        Assert.Contains("Clips has no parameter 'motoin'", ex.Message);
        Assert.Contains("Clips has no parameter 'transitions'", ex.Message);
        Assert.Contains("'transitions' must be a list of", ex.Message);
        Assert.Contains("'Dance' is not a stage", ex.Message);
        Assert.Contains("it accepts engine, durationSeconds", ex.Message);
        Assert.Equal("Compose", Assert.Single(StageParameters.Normalize(new JsonObject { ["compose"] = new JsonObject() })).Key);
        // The studio's own sections (the Sheets desk's) pass when not strict.
        StageParameters.CheckAll(new JsonObject { ["Sheet"] = new JsonObject { ["row"] = 3 } }, strict: false);
    }
}
