using System.Net;
using System.Text.RegularExpressions;

namespace ViralForge.Tests.Infrastructure;

/// <summary>Signs in through the real login form (antiforgery token and all), as a browser would, and keeps the cookie.</summary>
public static partial class CookieSession
{
    public static async Task<HttpClient> SignInAsync(Uri baseAddress, string email, string password)
    {
        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var form = await client.GetStringAsync("Account/Login");
        var token = Antiforgery().Match(form);
        if (!token.Success)
        {
            throw new InvalidOperationException("The login form has no antiforgery token.");
        }
        var response = await client.PostAsync("Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["Model.Email"] = email,
            ["Model.Password"] = password,
        }));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Redirect || handler.CookieContainer.GetCookies(baseAddress)["viralforge.auth"] is null)
        {
            // Shared with the benchmarks, which have no test framework: a plain exception fails either.
            throw new InvalidOperationException($"Signing in as {email} failed: {(int)response.StatusCode} {ErrorOf(body)}");
        }
        return client;
    }

    /// <summary>The login page's error, or the whole body when there is none.</summary>
    public static string ErrorOf(string body) => LoginError().Match(body) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : body;

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();

    [GeneratedRegex("class=\"account-error\"[^>]*>([^<]*)<")]
    private static partial Regex LoginError();
}
