using System.Text.Json.Nodes;
using ViralForge.Core.Pipeline;

namespace ViralForge.Tests.Unit;

/// <summary>The New video form offers only what this studio can do, and says what "automatic" will be.</summary>
public sealed class VisualSourcesTests
{
    [Theory]
    [InlineData(false, false, "title cards with a pan/zoom (no stock provider or SVD models configured)", "auto,card-motion")]
    [InlineData(true, false, "stock footage", "auto,stock-footage,stock-photo-motion,card-motion")]
    [InlineData(false, true, "title cards animated by video diffusion", "auto,card-svd,card-motion")]
    [InlineData(true, true, "stock photos animated by video diffusion", "auto,stock-footage,stock-photo-motion,stock-photo-svd,card-svd,card-motion")]
    public void Choices_follow_what_is_configured(bool stock, bool svd, string automatic, string ids)
    {
        var sources = VisualSources.For(stock, svd);
        Assert.Equal($"Automatic: {automatic}", sources[0].Label);
        Assert.Equal(ids, string.Join(',', sources.Select(s => s.Id)));
    }

    [Fact]
    public void A_choice_sets_the_keyframe_source_and_clip_engine_and_automatic_sets_nothing()
    {
        var sources = VisualSources.For(true, true);
        var parameters = new JsonObject { ["Compose"] = new JsonObject { ["music"] = "none" } };
        sources.Single(s => s.Id == "stock-photo-motion").ApplyTo(parameters);
        Assert.Equal("photo", (string?)parameters["Keyframes"]!["source"]);
        Assert.Equal("motion", (string?)parameters["Clips"]!["engine"]);
        StageParameters.CheckAll(parameters, strict: true);
        var automatic = new JsonObject();
        sources[0].ApplyTo(automatic);
        Assert.Empty(automatic);
    }
}
