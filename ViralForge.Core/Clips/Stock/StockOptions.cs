using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Clips.Stock;

/// <summary>Stock footage per scene from Pexels and Pixabay (keys from configuration, never logged).</summary>
public sealed class StockOptions
{
    public const string Section = "Stock";

    public StockProviderOptions Pexels { get; set; } = new() { BaseUrl = "https://api.pexels.com/" };
    public StockProviderOptions Pixabay { get; set; } = new() { BaseUrl = "https://pixabay.com/api/" };

    /// <summary>Candidates downloaded per scene (the first is used; a reviewer may choose another).</summary>
    [Range(1, 6)]
    public int Candidates { get; set; } = 3;

    /// <summary>Results per search.</summary>
    [Range(5, 80)]
    public int PerPage { get; set; } = 20;

    /// <summary>Both providers ask that results are cached for a day; a search within it is answered from the cache.</summary>
    [Range(0, 168)]
    public double CacheHours { get; set; } = 24;

    /// <summary>A larger file is refused before (or while) it downloads.</summary>
    [Range(1_000_000, 2_000_000_000)]
    public long MaxDownloadBytes { get; set; } = 100_000_000;

    [Range(1, 3600)]
    public double DownloadTimeoutSeconds { get; set; } = 180;

    [Range(1, 300)]
    public double SearchTimeoutSeconds { get; set; } = 20;

    /// <summary>Footage the last this many videos used is not chosen again by itself (it stays a candidate a reviewer may pick).</summary>
    [Range(0, 1000)]
    public int AvoidRecentVideos { get; set; } = 20;

    public bool AnyConfigured => Pexels.IsConfigured || Pixabay.IsConfigured;
}

public sealed class StockProviderOptions
{
    public string? ApiKey { get; set; }
    public string BaseUrl { get; set; } = "";
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey);
}
