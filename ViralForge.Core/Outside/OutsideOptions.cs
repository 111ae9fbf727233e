using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Outside;

/// <summary>Limits for calls to outside hosts (platforms, OAuth providers, webhooks, feeds), shared by every worker.</summary>
public sealed class OutsideOptions
{
    public const string Section = "Outside";

    /// <summary>Any host not listed in <see cref="Hosts"/>.</summary>
    public HostLimit Default { get; set; } = new();

    /// <summary>Per host (as in the URL, with its port when it has one): "www.googleapis.com", "oauth2.googleapis.com".</summary>
    public Dictionary<string, HostLimit> Hosts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Failures in a row (5xx, 429, network) that open a host's circuit.</summary>
    [Range(1, 100)]
    public int BreakAfterFailures { get; set; } = 5;

    /// <summary>How long an open circuit refuses calls before one is tried again.</summary>
    [Range(1, 3600)]
    public double BreakSeconds { get; set; } = 60;

    /// <summary>A call waits at most this long for its turn; longer, and it fails as "rate limited" with when to try again.</summary>
    [Range(0, 600)]
    public double MaxWaitSeconds { get; set; } = 30;

    public HostLimit For(string host) => Hosts.TryGetValue(host, out var limit) ? limit : Default;
}

public sealed class HostLimit
{
    /// <summary>Sustained calls a second.</summary>
    [Range(0.001, 1000)]
    public double PerSecond { get; set; } = 5;

    /// <summary>Calls that may go at once after a quiet spell.</summary>
    [Range(1, 1000)]
    public double Burst { get; set; } = 10;
}
