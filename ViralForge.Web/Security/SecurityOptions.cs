using System.ComponentModel.DataAnnotations;

namespace ViralForge.Web.Security;

/// <summary>Response headers, proxies and request limits (section <c>Security</c>).</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>Who may frame the studio's pages (CSP <c>frame-ancestors</c>).</summary>
    public string FrameAncestors { get; set; } = "'self'";

    /// <summary>Send HSTS on requests that arrived over TLS (directly or through a trusted proxy).</summary>
    public bool Hsts { get; set; } = true;

    /// <summary>Behind a reverse proxy: trust its X-Forwarded-For/-Proto from these addresses (empty: forwarded headers are ignored).</summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Sign-in attempts per client address per minute.</summary>
    [Range(1, 10000)]
    public int LoginPerMinute { get; set; } = 10;

    /// <summary>API requests per key (or client address, unsigned) per minute, with bursts up to <see cref="ApiBurst"/>.</summary>
    [Range(1, 1_000_000)]
    public int ApiPerMinute { get; set; } = 1200;

    [Range(1, 100_000)]
    public int ApiBurst { get; set; } = 300;
}
