using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.Extensions.Options;
using ViralForge.Core.Outside;

namespace ViralForge.Core.Sheets;

/// <summary>The sheet could not be read or written; the words are for the admin.</summary>
public sealed class SheetsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One range's cells, row by row, as the Sheets API gives them (strings, numbers, booleans, formulas as text).</summary>
public sealed record SheetRange(string Range, IReadOnlyList<IReadOnlyList<JsonElement>> Rows);

/// <summary>
/// The Sheets v4 REST API (values:batchGet, values:batchUpdate) with a token from Google.Apis.Auth —
/// a service account's, or a person's OAuth grant (an authorized-user credential with a refresh
/// token) — every call, the token exchange included, through the shared per-host limiter.
/// </summary>
public sealed class SheetsClient(IHttpClientFactory httpFactory, HostRateLimiter limiter, IOptions<SheetsOptions> options)
{
    public const string HttpClientName = "sheets";
    private const string Scope = "https://www.googleapis.com/auth/spreadsheets";

    private readonly SemaphoreSlim _credentialLock = new(1, 1);
    private ITokenAccess? _credential;

    private SheetsOptions O => options.Value;

    /// <summary>The service account's address, which the spreadsheet must be shared with; null for a person's grant.</summary>
    public string? ServiceAccountEmail => TryReadKey() is { IsUser: false } key ? key.ClientEmail : null;

    /// <summary>Who the studio acts as, in words for the admin.</summary>
    public string Identity => TryReadKey() switch
    {
        null => "no credential",
        { IsUser: true } => "a Google account's OAuth grant (authorized-user credential)",
        var key => $"the service account {key.ClientEmail}",
    };

    public async Task<IReadOnlyList<SheetRange>> BatchGetAsync(IReadOnlyList<string> ranges, CancellationToken ct)
    {
        var query = string.Join('&', ranges.Select(r => "ranges=" + Uri.EscapeDataString(r)))
            + "&majorDimension=ROWS&valueRenderOption=FORMULA&dateTimeRenderOption=FORMATTED_STRING";
        using var request = new HttpRequestMessage(HttpMethod.Get, Url($"values:batchGet?{query}"));
        using var response = await SendAsync(request, ct);
        var body = await response.Content.ReadFromJsonAsync<BatchGetResponse>(ct) ?? throw new SheetsException("Sheets answered with an empty body.");
        return (body.ValueRanges ?? []).Select(v => new SheetRange(v.Range ?? "", (v.Values ?? []).Select(r => (IReadOnlyList<JsonElement>)r).ToList())).ToList();
    }

    /// <summary>Writes many small ranges in one request (RAW: nothing typed by the studio is read as a formula).</summary>
    public async Task<int> BatchUpdateAsync(IReadOnlyList<(string Range, IReadOnlyList<IReadOnlyList<object?>> Values)> updates, CancellationToken ct)
    {
        if (updates.Count == 0)
        {
            return 0;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, Url("values:batchUpdate"))
        {
            Content = JsonContent.Create(new
            {
                valueInputOption = "RAW",
                data = updates.Select(u => new { range = u.Range, majorDimension = "ROWS", values = u.Values }),
            }),
        };
        using var response = await SendAsync(request, ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return body.TryGetProperty("totalUpdatedCells", out var cells) && cells.TryGetInt32(out var n) ? n : 0;
    }

    private Uri Url(string tail) =>
        new(new Uri(O.BaseUrl), $"v4/spreadsheets/{Uri.EscapeDataString(O.SpreadsheetId ?? "")}/{tail}");

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var token = await TokenAsync(ct);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(O.RequestTimeoutSeconds));
        HttpResponseMessage response;
        try
        {
            response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
        }
        catch (HostRateLimitedException ex)
        {
            throw new SheetsException($"Sheets is resting: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new SheetsException($"Sheets did not answer within {O.RequestTimeoutSeconds:0} s.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new SheetsException("Sheets could not be reached (the connection failed).", ex);
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            var reason = await ReasonAsync(response, ct);
            throw new SheetsException(response.StatusCode switch
            {
                HttpStatusCode.TooManyRequests => $"Sheets is over its quota (429): {reason}. The sync tries again later; nothing else waits for it.",
                HttpStatusCode.Forbidden => $"Sheets refused access (403): {reason}. "
                    + (ServiceAccountEmail is { } email ? $"Share the spreadsheet with {email} as an editor." : "The Google account that granted access must be able to edit the spreadsheet, and the grant must include the spreadsheets scope."),
                HttpStatusCode.NotFound => $"Sheets has no such spreadsheet or tab (404): {reason}. Check Sheets:SpreadsheetId and the tab names.",
                HttpStatusCode.BadRequest => $"Sheets refused the request (400): {reason}. Check that the tabs “{O.BriefsTab}” and “{O.ReviewTab}” exist.",
                _ => $"Sheets failed ({(int)response.StatusCode}): {reason}.",
            });
        }
    }

    private static async Task<string> ReasonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            if (body.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var message))
            {
                return Trends.TrendText.Clean(message.GetString(), 300);
            }
        }
        catch (JsonException)
        {
        }
        return response.ReasonPhrase ?? "no reason given";
    }

    private async Task<string> TokenAsync(CancellationToken ct)
    {
        await _credentialLock.WaitAsync(ct);
        try
        {
            _credential ??= CreateCredential();
        }
        finally
        {
            _credentialLock.Release();
        }
        try
        {
            // Google.Apis.Auth signs the assertion, exchanges it, caches the token and renews it before it ends.
            return await _credential.GetAccessTokenForRequestAsync(cancellationToken: ct);
        }
        catch (TokenResponseException ex) when (TryReadKey() is { IsUser: true })
        {
            throw new SheetsException($"Google refused the account's grant ({ex.Error?.Error ?? "no reason given"}): it was revoked or has expired. "
                + "Grant access again and configure the new authorized-user credential.", ex);
        }
        catch (TokenResponseException ex)
        {
            throw new SheetsException($"Google refused the service account's key ({ex.Error?.Error ?? "no reason given"}); check the key and that it is not disabled.", ex);
        }
        catch (HostRateLimitedException ex)
        {
            throw new SheetsException($"Google's token service is resting: {ex.Message}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new SheetsException("Google's token service could not be reached.", ex);
        }
    }

    private ITokenAccess CreateCredential()
    {
        var key = TryReadKey() ?? throw new SheetsException(O.Missing ?? "The Google credential could not be read.");
        return key.IsUser ? CreateUserCredential(key) : CreateServiceAccountCredential(key);
    }

    private ServiceAccountCredential CreateServiceAccountCredential(GoogleKey key)
    {
        if (string.IsNullOrWhiteSpace(key.ClientEmail) || string.IsNullOrWhiteSpace(key.PrivateKey))
        {
            throw new SheetsException("The service account key has no client_email or private_key; download a new JSON key for the service account.");
        }
        try
        {
            var initializer = new ServiceAccountCredential.Initializer(key.ClientEmail, key.TokenUri ?? GoogleAuthConsts.OidcTokenUrl)
            {
                Scopes = [Scope],
                HttpClientFactory = new LimitedGoogleHttpClientFactory(limiter),
            }.FromPrivateKey(key.PrivateKey);
            return new ServiceAccountCredential(initializer);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new SheetsException("The service account's private key could not be read; download a new JSON key.", ex);
        }
    }

    /// <summary>A person's grant: Google.Apis.Auth renews the access token from the refresh token before it ends.</summary>
    private UserCredential CreateUserCredential(GoogleKey key)
    {
        if (string.IsNullOrWhiteSpace(key.ClientId) || string.IsNullOrWhiteSpace(key.ClientSecret) || string.IsNullOrWhiteSpace(key.RefreshToken))
        {
            throw new SheetsException("The authorized-user credential needs client_id, client_secret and refresh_token; grant access again to get a complete one.");
        }
        var tokenUrl = key.TokenUri ?? GoogleAuthConsts.OidcTokenUrl;
        var flow = new Google.Apis.Auth.OAuth2.Flows.AuthorizationCodeFlow(new Google.Apis.Auth.OAuth2.Flows.AuthorizationCodeFlow.Initializer(GoogleAuthConsts.OidcAuthorizationUrl, tokenUrl)
        {
            ClientSecrets = new ClientSecrets { ClientId = key.ClientId, ClientSecret = key.ClientSecret },
            Scopes = [Scope],
            HttpClientFactory = new LimitedGoogleHttpClientFactory(limiter),
        });
        return new UserCredential(flow, "sheets-desk", new TokenResponse { RefreshToken = key.RefreshToken });
    }

    private GoogleKey? TryReadKey()
    {
        try
        {
            var json = !string.IsNullOrWhiteSpace(O.ServiceAccountJson) ? O.ServiceAccountJson
                : !string.IsNullOrWhiteSpace(O.ServiceAccountKeyFile) && File.Exists(O.ServiceAccountKeyFile) ? File.ReadAllText(O.ServiceAccountKeyFile)
                : null;
            return json is null ? null : JsonSerializer.Deserialize<GoogleKey>(json);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A Google credential file: a service account's key, or an authorized user's grant (as gcloud and Google's client libraries write it).</summary>
    private sealed record GoogleKey(
        [property: JsonPropertyName("type")] string? Type,
        [property: JsonPropertyName("client_email")] string? ClientEmail,
        [property: JsonPropertyName("private_key")] string? PrivateKey,
        [property: JsonPropertyName("client_id")] string? ClientId,
        [property: JsonPropertyName("client_secret")] string? ClientSecret,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("token_uri")] string? TokenUri)
    {
        public bool IsUser => Type == "authorized_user";
    }

    private sealed record BatchGetResponse(List<ValueRange>? ValueRanges);

    private sealed record ValueRange(string? Range, List<List<JsonElement>>? Values);

    /// <summary>Google.Apis.Auth's own HTTP for the token exchange, routed through the shared per-host limiter too.</summary>
    private sealed class LimitedGoogleHttpClientFactory(HostRateLimiter limiter) : Google.Apis.Http.HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(Google.Apis.Http.CreateHttpClientArgs args) =>
            new HostRateLimitHandler(limiter) { InnerHandler = base.CreateHandler(args) };
    }
}
