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
public sealed class VisualSources(IVideoDiffusion diffusion, IOptions<StockOptions> stock)
{
    public IReadOnlyList<VisualSource> Available() => For(stock.Value.AnyConfigured, diffusion.Status.Available);

    public static IReadOnlyList<VisualSource> For(bool stockConfigured, bool svdInstalled)
    {
        var automatic = svdInstalled
            ? stockConfigured ? "stock photos animated by video diffusion" : "title cards animated by video diffusion"
            : stockConfigured ? "stock footage" : "title cards with a pan/zoom (no stock provider or SVD models configured)";
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
        if (svdInstalled)
        {
            list.Add(new("card-svd", "Title cards animated by video diffusion", "card", "svd"));
        }
        list.Add(new("card-motion", "Title cards with a pan/zoom", "card", "motion"));
        return list;
    }
}
