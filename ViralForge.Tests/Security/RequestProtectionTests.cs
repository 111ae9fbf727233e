using System.Net;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Security;

/// <summary>Security headers on every answer, and ASP.NET Core's rate limiter on sign-in (per address) and the API (per key).</summary>
public sealed class RequestProtectionTests
{
    [Fact]
    public async Task Answers_carry_security_headers_and_sign_in_and_the_API_are_rate_limited()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("protection");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("protection"), new()
        {
            ["Security__LoginPerMinute"] = "3",
            ["Security__ApiPerMinute"] = "60",
            ["Security__ApiBurst"] = "5",
        });
        await studio.StartAsync();
        var first = await studio.IssueApiKeyAsync("creator");
        var second = await studio.IssueApiKeyAsync("creator");

        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = studio.BaseAddress };
        foreach (var path in new[] { "/", "/Account/Login", "/api/videos", "/health/live" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", $"{path}: no nosniff");
            Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp) && csp.Single() == "frame-ancestors 'self'", $"{path}: no frame-ancestors");
            // Plain HTTP: HSTS would be meaningless (and is only sent over TLS).
            Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        }

        // The API: a burst of five, then 429 with Retry-After; another key is not held back by the first.
        var client = studio.Client(first);
        var codes = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await client.GetAsync("api/videos");
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited ??= response;
            }
        }
        Assert.True(codes.Take(4).All(c => c == HttpStatusCode.OK), string.Join(", ", codes));
        Assert.Contains(HttpStatusCode.TooManyRequests, codes);
        Assert.NotNull(limited!.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await studio.Client(second).GetAsync("api/videos")).StatusCode);

        // Sign-in: three tries a minute from one address, then 429 (before any password is checked).
        var attempts = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Email"] = "admin@viralforge.test", ["Input.Password"] = "wrong" });
            using var response = await anonymous.PostAsync("/Account/Login", form);
            attempts.Add(response.StatusCode);
        }
        Assert.All(attempts.Take(3), c => Assert.NotEqual(HttpStatusCode.TooManyRequests, c));
        Assert.All(attempts.Skip(3), c => Assert.Equal(HttpStatusCode.TooManyRequests, c));
    }
}
