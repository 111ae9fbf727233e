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
            [ClientIdField(provider)] = provider.ClientId ?? "",
            ["redirect_uri"] = redirectUri,
            ["scope"] = provider.Scopes,
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        };
        if (provider.Dialect == OAuthDialect.Standard)
        {
            // A refresh token, so the studio can publish while nobody is signed in.
            query["access_type"] = "offline";
            query["prompt"] = "consent";
        }
        var separator = provider.AuthorizeUrl.Contains('?') ? '&' : '?';
        return provider.AuthorizeUrl + separator + string.Join('&', query.Select(kv => $"{kv.Key}={Uri.EscapeDataString(kv.Value)}"));
    }

    public async Task<OAuthTokens> ExchangeCodeAsync(OAuthProviderOptions provider, string code, string verifier, string redirectUri, CancellationToken ct)
    {
        var tokens = await RequestAsync(provider, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = redirectUri,
        }, null, ct);
        // Meta's code gives a token for an hour; the long-lived one lets the studio publish for weeks.
        return provider.Dialect == OAuthDialect.Meta ? await ExtendAsync(provider, tokens.AccessToken, ct) : tokens;
    }

    /// <summary>Whether the saved grant can still be renewed without the admin (a refresh token, or a Meta token not yet expired).</summary>
    public bool CanRenew(OAuthProviderOptions provider, OAuthTokens tokens) => provider.Dialect == OAuthDialect.Meta
        ? tokens.ExpiresAt > time.GetUtcNow()
        : tokens.RefreshToken is not null;

    /// <summary>How early a token is renewed: a minute for hour-long tokens, ten days for Meta's 60-day ones.</summary>
    public static TimeSpan RenewAhead(OAuthProviderOptions provider) =>
        provider.Dialect == OAuthDialect.Meta ? TimeSpan.FromDays(10) : TimeSpan.FromMinutes(1);

    public Task<OAuthTokens> RefreshAsync(OAuthProviderOptions provider, OAuthTokens current, CancellationToken ct) =>
        provider.Dialect == OAuthDialect.Meta
            ? ExtendAsync(provider, current.AccessToken, ct)
            : RequestAsync(provider, new()
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = current.RefreshToken ?? throw new ChannelNeedsReconnectException("The saved grant has no refresh token: connect the channel again."),
            }, current.RefreshToken, ct);

    private Task<OAuthTokens> ExtendAsync(OAuthProviderOptions provider, string accessToken, CancellationToken ct) =>
        RequestAsync(provider, new()
        {
            ["grant_type"] = "fb_exchange_token",
            ["fb_exchange_token"] = accessToken,
        }, null, ct);

    private static string ClientIdField(OAuthProviderOptions provider) => provider.Dialect == OAuthDialect.TikTok ? "client_key" : "client_id";

    private async Task<OAuthTokens> RequestAsync(OAuthProviderOptions provider, Dictionary<string, string> form, string? previousRefresh, CancellationToken ct)
    {
        if (!provider.IsConfigured)
        {
            throw new ChannelNeedsReconnectException("The OAuth client is not configured (client id and secret); set them in the studio's configuration, then connect the channel.");
        }
        form[ClientIdField(provider)] = provider.ClientId!;
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
            var body = await PlatformHttp.ReadCappedAsync(response, ct, 65536);
            var error = TryReadError(body);
            // Some providers (TikTok) answer 200 with an error instead of a token.
            if (response.IsSuccessStatusCode && error.Code is null)
            {
                TokenResponse? token;
                try
                {
                    token = JsonSerializer.Deserialize<TokenResponse>(body);
                }
                catch (JsonException)
                {
                    token = null;
                }
                if (string.IsNullOrEmpty(token?.AccessToken))
                {
                    throw new PublishTransientException("The sign-in provider answered without an access token.");
                }
                return new OAuthTokens(token.AccessToken, token.RefreshToken ?? previousRefresh,
                    time.GetUtcNow().AddSeconds(token.ExpiresIn is > 0 ? token.ExpiresIn.Value : 3600), token.Scope);
            }
            if (response.StatusCode is HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500 || error.Transient)
            {
                throw new PublishTransientException($"The sign-in provider answered {(int)response.StatusCode}.", response.Headers.RetryAfter?.Delta);
            }
            // invalid_grant: revoked, expired or already used; invalid_client: the configured client is wrong.
            throw new ChannelNeedsReconnectException(error.Code is "invalid_client" or "invalid_client_key" or "invalid_client_secret"
                ? $"The sign-in provider refused the studio's OAuth client ({error.Code}): check the client id and secret in the configuration."
                : $"The sign-in provider refused the saved grant ({error.Code ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}): connect the channel again.");
        }
    }

    /// <summary>
    /// The error code of a failed token request: RFC 6749's <c>{"error":"invalid_grant"}</c>, or Meta's
    /// <c>{"error":{"type":"OAuthException","code":190}}</c> (codes 1, 2, 4, 17, 32 and 613 are passing).
    /// </summary>
    private static (string? Code, bool Transient) TryReadError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("error", out var e))
            {
                return (null, false);
            }
            if (e.ValueKind == JsonValueKind.String)
            {
                return (e.GetString(), false);
            }
            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out var number))
            {
                return ($"{(e.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : "error")} {number}", number is 1 or 2 or 4 or 17 or 32 or 613);
            }
            return (null, false);
        }
        catch (JsonException)
        {
            return (null, false);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int? ExpiresIn,
        [property: JsonPropertyName("scope")] string? Scope);
}
