using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ViralForge.Web.Security;

/// <summary>
/// What every response and request goes through: security headers, forwarded headers from trusted
/// proxies only, and ASP.NET Core's rate limiter on sign-in (per client address) and on the API (per
/// key, or per address when unsigned). A limited request gets 429 with <c>Retry-After</c>.
/// </summary>
public static class RequestProtection
{
    public static IServiceCollection AddRequestProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var proxy in options.TrustedProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                }
                return ValueTask.CompletedTask;
            };
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, options));
        });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, SecurityOptions options)
    {
        var request = context.Request;
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (HttpMethods.IsPost(request.Method) && request.Path.Equals("/Account/Login", StringComparison.OrdinalIgnoreCase))
        {
            return RateLimitPartition.GetFixedWindowLimiter("login:" + address, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.LoginPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        }
        if (request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments(Mcp.McpSetup.Path))
        {
            // Keyed by a hash of the key: the partition name never holds the secret itself.
            var key = request.Headers[ApiKeyAuthenticationHandler.Header].ToString();
            var who = key.Length > 0 ? "key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16] : "addr:" + address;
            return RateLimitPartition.GetTokenBucketLimiter("api:" + who, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.ApiBurst,
                TokensPerPeriod = Math.Max(1, options.ApiPerMinute / 60),
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }
        return RateLimitPartition.GetNoLimiter("none");
    }

    public static WebApplication UseRequestProtection(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (options.TrustedProxies.Length > 0)
        {
            app.UseForwardedHeaders();
        }
        app.Use((context, next) =>
        {
            // Set as the headers go out, so nothing later in the pipeline adds a second copy.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.ContentSecurityPolicy = $"frame-ancestors {options.FrameAncestors}";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                if (options.Hsts && context.Request.IsHttps)
                {
                    headers.StrictTransportSecurity = "max-age=31536000";
                }
                return Task.CompletedTask;
            });
            return next(context);
        });
        app.UseRateLimiter();
        return app;
    }
}
