using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViralForge.Core.Publishing;

/// <summary>
/// OAuth 2.0 authorization code with PKCE, and refresh, against a provider's token endpoint
/// (RFC 6749 §4.1 and §6, RFC 7636). Only the status and the error code of a failure are ever
/// repeated in a message; tokens and secrets are not.
/// </summary>
public sealed class OAuthClient(IHttpClientFactory http, TimeProvider time)
{
    public const string HttpClientName = "oauth";

    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return (verifier, challenge);
    }

    public static string AuthorizeUrl(OAuthProviderOptions provider, string redirectUri, string state, string challenge)
    {
        var query = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = provider.ClientId ?? "",
            ["redirect_uri"] = redirectUri,
            ["scope"] = provider.Scopes,
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            // A refresh token, so the studio can publish while nobody is signed in.
            ["access_type"] = "offline",
            ["prompt"] = "consent",
        };
        var separator = provider.AuthorizeUrl.Contains('?') ? '&' : '?';
        return provider.AuthorizeUrl + separator + string.Join('&', query.Select(kv => $"{kv.Key}={Uri.EscapeDataString(kv.Value)}"));
    }

    public Task<OAuthTokens> ExchangeCodeAsync(OAuthProviderOptions provider, string code, string verifier, string redirectUri, CancellationToken ct) =>
        RequestAsync(provider, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = redirectUri,
        }, null, ct);

    public Task<OAuthTokens> RefreshAsync(OAuthProviderOptions provider, string refreshToken, CancellationToken ct) =>
        RequestAsync(provider, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        }, refreshToken, ct);

    private async Task<OAuthTokens> RequestAsync(OAuthProviderOptions provider, Dictionary<string, string> form, string? previousRefresh, CancellationToken ct)
    {
        if (!provider.IsConfigured)
        {
            throw new ChannelNeedsReconnectException("The OAuth client is not configured (client id and secret); set them in the studio's configuration, then connect the channel.");
        }
        form["client_id"] = provider.ClientId!;
        form["client_secret"] = provider.ClientSecret!;
        HttpResponseMessage response;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(30));
            response = await http.CreateClient(HttpClientName).PostAsync(provider.TokenUrl, new FormUrlEncodedContent(form), cts.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw PublishTransientException.From(ex, $"The sign-in provider could not be reached ({ex.GetType().Name}).");
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                var token = JsonSerializer.Deserialize<TokenResponse>(body)
                    ?? throw new PublishTransientException("The sign-in provider answered without a token.");
                if (string.IsNullOrEmpty(token.AccessToken))
                {
                    throw new PublishTransientException("The sign-in provider answered without an access token.");
                }
                return new OAuthTokens(token.AccessToken, token.RefreshToken ?? previousRefresh,
                    time.GetUtcNow().AddSeconds(token.ExpiresIn is > 0 ? token.ExpiresIn.Value : 3600), token.Scope);
            }
            var error = TryReadError(body);
            if (response.StatusCode is HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
            {
                throw new PublishTransientException($"The sign-in provider answered {(int)response.StatusCode}.", response.Headers.RetryAfter?.Delta);
            }
            // invalid_grant: revoked, expired or already used; invalid_client: the configured client is wrong.
            throw new ChannelNeedsReconnectException(error == "invalid_client"
                ? "The sign-in provider refused the studio's OAuth client (invalid_client): check the client id and secret in the configuration."
                : $"The sign-in provider refused the saved grant ({error ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}): connect the channel again.");
        }
    }

    private static string? TryReadError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int? ExpiresIn,
        [property: JsonPropertyName("scope")] string? Scope);
}
