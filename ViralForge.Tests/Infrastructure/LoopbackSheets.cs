using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A stand-in for Google's token service and the Sheets v4 values API: a service account's signed JWT
/// (RS256, checked against its public key) is exchanged for a token; values:batchGet answers with the
/// tabs' cells (formulas as text, as valueRenderOption=FORMULA does); values:batchUpdate writes cells.
/// Errors are Google's shape (429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE).
/// </summary>
public sealed partial class LoopbackSheets : LoopbackServer
{
    public const string SpreadsheetId = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
    public const string ClientEmail = "viralforge-desk@studio-project.iam.gserviceaccount.com";
    private const string Token = "ya29.loopback-sheets-token";

    private readonly RSA _key = RSA.Create(2048);
    private readonly object _gate = new();

    public LoopbackSheets()
    {
        Tabs["Briefs"] = [];
        Tabs["Review"] = [];
    }

    /// <summary>Tab → rows → cells (string, bool, double or null).</summary>
    public Dictionary<string, List<List<object?>>> Tabs { get; } = new(StringComparer.Ordinal);

    /// <summary>Answers to give instead of the real one, in order: ("get" or "update", status).</summary>
    public ConcurrentQueue<(string Call, int Status)> Failures { get; } = new();

    public int Gets;
    public int Updates;
    public int Tokens;

    public const string UserClientId = "1234567890-desk.apps.googleusercontent.com";
    private const string UserClientSecret = "GOCSPX-loopback-desk-secret";
    public const string UserRefreshToken = "1//0loopback-refresh-token-of-a-person";
    private const string UserToken = "ya29.loopback-user-token";

    /// <summary>Set to refuse the person's refresh token, as Google does once the grant is revoked.</summary>
    public volatile bool GrantRevoked;

    /// <summary>A person's OAuth grant as an authorized-user credential (the file gcloud writes), with this server's token endpoint.</summary>
    public string UserJson => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["type"] = "authorized_user",
        ["client_id"] = UserClientId,
        ["client_secret"] = UserClientSecret,
        ["refresh_token"] = UserRefreshToken,
        ["token_uri"] = BaseUrl + "token",
    });

    /// <summary>Every secret this server handed out or was given, for the tests that check logs.</summary>
    public IEnumerable<string> Secrets => [Token, UserToken, UserClientSecret, UserRefreshToken];

    /// <summary>The service account's JSON key, as Google's console downloads it, with this server's token endpoint.</summary>
    public string KeyJson => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["type"] = "service_account",
        ["project_id"] = "studio-project",
        ["private_key_id"] = "0123456789abcdef",
        ["private_key"] = _key.ExportPkcs8PrivateKeyPem(),
        ["client_email"] = ClientEmail,
        ["client_id"] = "100000000000000000001",
        ["token_uri"] = BaseUrl + "token",
    });

    public void Set(string tab, params object?[][] rows)
    {
        lock (_gate)
        {
            Tabs[tab] = rows.Select(r => r.ToList()).ToList();
        }
    }

    public string Cell(string tab, int row, int column)
    {
        lock (_gate)
        {
            var rows = Tabs[tab];
            return row - 1 < rows.Count && column - 1 < rows[row - 1].Count ? Convert.ToString(rows[row - 1][column - 1], System.Globalization.CultureInfo.InvariantCulture) ?? "" : "";
        }
    }

    public void Write(string tab, int row, int column, object? value)
    {
        lock (_gate)
        {
            var rows = Tabs[tab];
            while (rows.Count < row)
            {
                rows.Add([]);
            }
            while (rows[row - 1].Count < column)
            {
                rows[row - 1].Add(null);
            }
            rows[row - 1][column - 1] = value;
        }
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath;
        string body;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }
        if (path == "/token")
        {
            await TokenAsync(context, body);
            return;
        }
        if (request.Headers["Authorization"] is not ("Bearer " + Token or "Bearer " + UserToken))
        {
            await ErrorAsync(context, 401, "Request had invalid authentication credentials.", "UNAUTHENTICATED");
            return;
        }
        var prefix = $"/v4/spreadsheets/{SpreadsheetId}/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            await ErrorAsync(context, 404, "Requested entity was not found.", "NOT_FOUND");
            return;
        }
        var call = path[prefix.Length..];
        if (Failures.TryPeek(out var failure) && call.EndsWith(failure.Call == "get" ? "batchGet" : "batchUpdate", StringComparison.Ordinal) && Failures.TryDequeue(out failure))
        {
            await ErrorAsync(context, failure.Status, failure.Status == 429
                ? "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com'."
                : "The service is currently unavailable.", failure.Status == 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE");
            return;
        }
        if (call == "values:batchGet" && request.HttpMethod == "GET")
        {
            Interlocked.Increment(ref Gets);
            var ranges = request.QueryString.GetValues("ranges") ?? [];
            var valueRanges = new JsonArray();
            foreach (var range in ranges)
            {
                var (tab, _, _) = Parse(range);
                if (tab is null || !Tabs.TryGetValue(tab, out var rows))
                {
                    await ErrorAsync(context, 400, $"Unable to parse range: {range}", "INVALID_ARGUMENT");
                    return;
                }
                lock (_gate)
                {
                    valueRanges.Add(new JsonObject
                    {
                        ["range"] = range,
                        ["majorDimension"] = "ROWS",
                        ["values"] = JsonSerializer.SerializeToNode(rows.Select(r => r.Select(c => c ?? "").ToList()).ToList()),
                    });
                }
            }
            await LoopbackListener.WriteJsonAsync(context.Response, 200, new JsonObject { ["spreadsheetId"] = SpreadsheetId, ["valueRanges"] = valueRanges }.ToJsonString());
            return;
        }
        if (call == "values:batchUpdate" && request.HttpMethod == "POST")
        {
            Interlocked.Increment(ref Updates);
            var json = JsonNode.Parse(body)!;
            if ((string?)json["valueInputOption"] is not ("RAW" or "USER_ENTERED"))
            {
                await ErrorAsync(context, 400, "Invalid valueInputOption.", "INVALID_ARGUMENT");
                return;
            }
            var cells = 0;
            foreach (var item in json["data"]!.AsArray())
            {
                var (tab, row, column) = Parse((string)item!["range"]!);
                if (tab is null || !Tabs.ContainsKey(tab) || row is null || column is null)
                {
                    await ErrorAsync(context, 400, $"Unable to parse range: {item["range"]}", "INVALID_ARGUMENT");
                    return;
                }
                var values = item["values"]!.AsArray();
                for (var r = 0; r < values.Count; r++)
                {
                    var cellsInRow = values[r]!.AsArray();
                    for (var c = 0; c < cellsInRow.Count; c++)
                    {
                        Write(tab, row.Value + r, column.Value + c, cellsInRow[c]?.GetValue<object>()?.ToString());
                        cells++;
                    }
                }
            }
            await LoopbackListener.WriteJsonAsync(context.Response, 200, $"{{\"spreadsheetId\":\"{SpreadsheetId}\",\"totalUpdatedCells\":{cells}}}");
            return;
        }
        await ErrorAsync(context, 404, "Requested entity was not found.", "NOT_FOUND");
    }

    /// <summary>The JWT-bearer grant: the assertion must be signed by the service account's key and name it and the scope.</summary>
    private async Task TokenAsync(HttpListenerContext context, string body)
    {
        var form = System.Web.HttpUtility.ParseQueryString(body);
        if (form["grant_type"] == "refresh_token")
        {
            // A person's grant: the client's own id and secret with the refresh token. Tokens last a minute here,
            // inside the library's renewal window, so every request renews it and a revoked grant shows at once.
            if (GrantRevoked || form["refresh_token"] != UserRefreshToken || form["client_id"] != UserClientId || form["client_secret"] != UserClientSecret)
            {
                await LoopbackListener.WriteJsonAsync(context.Response, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}");
                return;
            }
            Interlocked.Increment(ref Tokens);
            await LoopbackListener.WriteJsonAsync(context.Response, 200, $"{{\"access_token\":\"{UserToken}\",\"expires_in\":60,\"scope\":\"https://www.googleapis.com/auth/spreadsheets\",\"token_type\":\"Bearer\"}}");
            return;
        }
        var parts = (form["assertion"] ?? "").Split('.');
        var valid = form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" && parts.Length == 3
            && _key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (valid)
        {
            var claims = JsonNode.Parse(Base64Url(parts[1]))!;
            valid = (string?)claims["iss"] == ClientEmail && ((string?)claims["scope"] ?? "").Contains("https://www.googleapis.com/auth/spreadsheets", StringComparison.Ordinal);
        }
        if (!valid)
        {
            await LoopbackListener.WriteJsonAsync(context.Response, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}");
            return;
        }
        Interlocked.Increment(ref Tokens);
        await LoopbackListener.WriteJsonAsync(context.Response, 200, $"{{\"access_token\":\"{Token}\",\"expires_in\":3599,\"token_type\":\"Bearer\"}}");
    }

    private static byte[] Base64Url(string s)
    {
        var padded = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }

    private static Task ErrorAsync(HttpListenerContext context, int status, string message, string code) =>
        LoopbackListener.WriteJsonAsync(context.Response, status, new JsonObject
        {
            ["error"] = new JsonObject { ["code"] = status, ["message"] = message, ["status"] = code },
        }.ToJsonString());

    [GeneratedRegex(@"^(?:'((?:[^']|'')+)'|([^!]+))!([A-Z]+)(\d+)(?::[A-Z]+\d*)?$")]
    private static partial Regex A1();

    /// <summary>"'Briefs'!G5" → (Briefs, 5, 7); "'Briefs'!A1:Z1001" → (Briefs, 1, 1).</summary>
    private static (string? Tab, int? Row, int? Column) Parse(string range)
    {
        var m = A1().Match(range);
        if (!m.Success)
        {
            return (null, null, null);
        }
        var tab = m.Groups[1].Success ? m.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal) : m.Groups[2].Value;
        var column = m.Groups[3].Value.Aggregate(0, (n, c) => n * 26 + (c - 'A' + 1));
        return (tab, int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture), column);
    }

    protected override ValueTask DisposeMoreAsync()
    {
        _key.Dispose();
        return ValueTask.CompletedTask;
    }
}
