using System.Text.Json.Nodes;
using ViralForge.Core.Pipeline;

namespace ViralForge.Tests.Unit;

/// <summary>The New video form offers only what this studio can do, and says what "automatic" will be.</summary>
public sealed class VisualSourcesTests
{
    [Theory]
    [InlineData(false, false, false, "title cards with a pan/zoom (no stock provider, text-to-image or SVD models configured)", "auto,card-motion")]
    [InlineData(true, false, false, "stock footage", "auto,stock-footage,stock-photo-motion,card-motion")]
    [InlineData(false, true, false, "title cards animated by video diffusion", "auto,card-svd,card-motion")]
    [InlineData(true, true, false, "stock photos animated by video diffusion", "auto,stock-footage,stock-photo-motion,stock-photo-svd,card-svd,card-motion")]
    [InlineData(false, false, true, "generated pictures with a pan/zoom", "auto,generated-motion,card-motion")]
    [InlineData(false, true, true, "generated pictures animated by video diffusion", "auto,generated-motion,generated-svd,card-svd,card-motion")]
    [InlineData(true, true, true, "stock photos animated by video diffusion", "auto,stock-footage,stock-photo-motion,stock-photo-svd,generated-motion,generated-svd,card-svd,card-motion")]
    public void Choices_follow_what_is_configured(bool stock, bool svd, bool textToImage, string automatic, string ids)
    {
        var sources = VisualSources.For(stock, svd, textToImage);
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
