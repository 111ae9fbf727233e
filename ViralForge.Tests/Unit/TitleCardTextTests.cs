using System.Text.Json.Nodes;
using ViralForge.Core.Data;
using ViralForge.Core.Keyframes;
using ViralForge.Core.Pipeline;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Unit;

/// <summary>The card never repeats what the captions already show.</summary>
public sealed class TitleCardTextTests
{
    private static StageContext Context(string videoParameters, JsonObject? stageParameters = null, string visual = "An octopus squeezing through a bottle neck")
    {
        var script = TestScripts.Brief(title: "Octopus facts");
        script.Scenes[1] = script.Scenes[1] with { Visual = visual };
        return new StageContext
        {
            Run = new StageRun { Stage = StageKind.Keyframes, SceneIndex = 1 },
            Video = new Video { Title = "Octopus facts", ParametersJson = videoParameters },
            Script = script,
            Parameters = stageParameters ?? [],
            Inputs = [],
            WorkFolder = Path.GetTempPath(),
            Progress = new Progress<double>(),
        };
    }

    [Fact]
    public void With_captions_the_card_shows_the_visual_idea_without_them_the_narration()
    {
        Assert.Equal("An octopus squeezing through a bottle neck", KeyframeStage.CardText(Context("{}")));
        Assert.Equal("An octopus squeezing through a bottle neck", KeyframeStage.CardText(Context("""{"Compose":{"captionStyle":"boxed"}}""")));
        Assert.Equal("Scene 2 says hello.", KeyframeStage.CardText(Context("""{"Compose":{"captionStyle":"none"}}""")));
        Assert.Equal("Octopus facts", KeyframeStage.CardText(Context("{}", new JsonObject { ["cardText"] = "title" })));
        Assert.Equal("Scene 2 says hello.", KeyframeStage.CardText(Context("{}", new JsonObject { ["cardText"] = "narration" })));
        // A scene without a visual idea falls back to the title; a malformed setting is the default.
        Assert.Equal("Octopus facts", KeyframeStage.CardText(Context("""{"Compose":{"captionStyle":42}}""", visual: " ")));
    }
}
