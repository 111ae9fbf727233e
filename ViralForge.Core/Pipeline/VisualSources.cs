using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ViralForge.Core.Clips;
using ViralForge.Core.Clips.Stock;

namespace ViralForge.Core.Pipeline;

/// <summary>One way a video's scenes get their pictures: the Keyframes source and the Clips engine it sets.</summary>
public sealed record VisualSource(string Id, string Label, string? KeyframeSource, string? ClipEngine)
{
    /// <summary>The video parameters this choice adds (none for the automatic choice).</summary>
    public void ApplyTo(JsonObject parameters)
    {
        if (KeyframeSource is { } source)
        {
            (parameters["Keyframes"] ??= new JsonObject())["source"] = source;
        }
        if (ClipEngine is { } engine)
        {
            (parameters["Clips"] ??= new JsonObject())["engine"] = engine;
        }
    }
}

/// <summary>The visual sources this studio can use, from what is configured, and what "automatic" means here.</summary>
public sealed class VisualSources(IVideoDiffusion diffusion, Keyframes.Generated.ITextToImage textToImage, IOptions<StockOptions> stock)
{
    public IReadOnlyList<VisualSource> Available() => For(stock.Value.AnyConfigured, diffusion.Status.Available, textToImage.Status.Available);

    public static IReadOnlyList<VisualSource> For(bool stockConfigured, bool svdInstalled, bool textToImageInstalled = false)
    {
        // As the Keyframes and Clips stages choose by default (KeyframeStage.DefaultSource, ClipStage.DefaultEngine).
        var automatic = svdInstalled
            ? stockConfigured ? "stock photos animated by video diffusion" : textToImageInstalled ? "generated pictures animated by video diffusion" : "title cards animated by video diffusion"
            : stockConfigured ? "stock footage"
            : textToImageInstalled ? "generated pictures with a pan/zoom" : "title cards with a pan/zoom (no stock provider, text-to-image or SVD models configured)";
        var list = new List<VisualSource> { new("auto", $"Automatic: {automatic}", null, null) };
        if (stockConfigured)
        {
            list.Add(new("stock-footage", "Stock footage", "card", "stock"));
            list.Add(new("stock-photo-motion", "Stock photos with a pan/zoom", "photo", "motion"));
            if (svdInstalled)
            {
                list.Add(new("stock-photo-svd", "Stock photos animated by video diffusion", "photo", "svd"));
            }
        }
        if (textToImageInstalled)
        {
            list.Add(new("generated-motion", "Generated pictures with a pan/zoom", "generated", "motion"));
            if (svdInstalled)
            {
                list.Add(new("generated-svd", "Generated pictures animated by video diffusion", "generated", "svd"));
            }
        }
        if (svdInstalled)
        {
            list.Add(new("card-svd", "Title cards animated by video diffusion", "card", "svd"));
        }
        list.Add(new("card-motion", "Title cards with a pan/zoom", "card", "motion"));
        return list;
    }
}
