using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using ViralForge.Tests.Infrastructure;
using ViralForge.Web.Extensions;
using ViralForge.Web.Security;

namespace ViralForge.Tests.Security;

/// <summary>
/// The access matrix: every endpoint and page the studio maps × anonymous, creator, reviewer, admin,
/// a revoked key and a disabled user. The expected table below is the product's intent; the studio's
/// own table must equal it (a new endpoint fails here until someone decides who may call it), and
/// every cell is then asserted over HTTP against the real studio.
/// </summary>
public sealed partial class EndpointAccessTests
{
    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["GET,POST /"] = "view",
        ["GET,POST /Account/Denied"] = "anonymous",
        ["GET,POST /Account/Login"] = "anonymous",
        ["POST /Account/Logout"] = "signed-in",
        ["GET,POST /Error"] = "anonymous",
        ["* /_blazor"] = "view",
        ["* /_blazor/disconnect/"] = "view",
        ["* /_blazor/initializers/"] = "view",
        ["* /_blazor/negotiate"] = "view",
        ["GET /_framework/opaque-redirect"] = "anonymous",
        ["GET,POST /admin/api-keys"] = "admin",
        ["GET,POST /admin/channels"] = "admin",
        ["GET,POST /admin/gpu"] = "admin",
        ["GET,POST /admin/music"] = "admin",
        ["GET,POST /admin/prompts"] = "admin",
        ["GET,POST /admin/pronunciations"] = "admin",
        ["GET,POST /admin/queues"] = "admin",
        ["GET,POST /admin/references"] = "admin",
        ["GET,POST /admin/sheets"] = "admin",
        ["GET,POST /admin/sources"] = "admin",
        ["GET,POST /admin/storage"] = "admin",
        ["GET,POST /admin/webhooks"] = "admin",
        ["GET,POST /admin/users"] = "admin",
        ["GET /api/admin/endpoints"] = "admin",
        ["GET /api/artifacts/{id:guid}"] = "view",
        ["GET /api/channels"] = "view",
        ["POST /api/channels"] = "admin",
        ["PUT /api/channels/{id:int}"] = "admin",
        ["POST /api/publications/{id:long}/retry"] = "review",
        ["GET /api/notifications"] = "view",
        ["POST /api/notifications/read"] = "view",
        ["GET /api/numbers/prompt-versions"] = "admin",
        ["GET /api/references"] = "admin",
        ["POST /api/references"] = "admin",
        ["DELETE /api/references/{id:long}"] = "admin",
        ["GET /api/script-model"] = "view",
        ["GET /api/sheets"] = "admin",
        ["POST /api/sheets/sync"] = "admin",
        ["GET /api/trend-sources"] = "admin",
        ["POST /api/trend-sources"] = "admin",
        ["DELETE /api/trend-sources/{id:long}"] = "admin",
        ["PUT /api/trend-sources/{id:long}"] = "admin",
        ["POST /api/trend-sources/{id:long}/fetch"] = "admin",
        ["GET /api/trends"] = "create",
        ["POST /api/trends/drafts"] = "create",
        ["GET /api/users"] = "admin",
        ["POST /api/users"] = "admin",
        ["PUT /api/users/{id}/roles"] = "admin",
        ["POST /api/users/{id}/disable"] = "admin",
        ["POST /api/users/{id}/enable"] = "admin",
        ["POST /api/users/{id}/reset-password"] = "admin",
        ["GET /api/videos"] = "view",
        ["POST /api/videos"] = "create",
        ["GET /api/videos/{id:guid}"] = "view",
        ["DELETE /api/videos/{id:guid}"] = "admin",
        ["POST /api/videos/{id:guid}/archive"] = "admin",
        ["POST /api/videos/{id:guid}/unarchive"] = "admin",
        ["POST /api/videos/{id:guid}/approve"] = "review",
        ["GET /api/videos/{id:guid}/publications"] = "view",
        ["POST /api/videos/{id:guid}/publications"] = "review",
        ["POST /api/videos/{id:guid}/reject"] = "review",
        ["POST /api/videos/{id:guid}/scenes/{scene:int}/upload"] = "create",
        ["POST /api/videos/{id:guid}/scenes/{scene:int}/{stage}/choose"] = "review",
        ["POST /api/videos/{id:guid}/script"] = "create",
        ["POST /api/videos/{id:guid}/stages/{stage}/retry"] = "create",
        ["GET /api/stages/parameters"] = "view",
        ["GET /api/storage"] = "admin",
        ["PUT /api/storage/floor"] = "admin",
        ["GET /api/storage/collection"] = "admin",
        ["POST /api/storage/collection"] = "admin",
        ["PUT /api/storage/retention"] = "admin",
        ["GET /api/storage/quota"] = "admin",
        ["PUT /api/storage/quota"] = "admin",
        ["GET /api/uploads/quota"] = "create",
        ["GET /api/voices"] = "view",
        ["GET /api/workers"] = "admin",
        ["GET /api/webhooks"] = "admin",
        ["POST /api/webhooks"] = "admin",
        ["PUT /api/webhooks/{id:int}"] = "admin",
        ["DELETE /api/webhooks/{id:int}"] = "admin",
        ["POST /api/webhooks/{id:int}/secret"] = "admin",
        ["POST /api/webhooks/{id:int}/test"] = "admin",
        ["GET /api/webhooks/deliveries"] = "admin",
        ["POST /api/webhooks/deliveries/{id:long}/redeliver"] = "admin",
        ["GET /channels/{id:int}/connect"] = "admin",
        ["* /hangfire/{**path}"] = "admin",
        ["* /health"] = "view",
        ["GET /health/live"] = "anonymous",
        ["* /hubs/pipeline"] = "view",
        ["* /hubs/pipeline/negotiate"] = "view",
        ["POST /mcp/"] = "view",
        ["GET /media/music/{name}"] = "view",
        ["GET /media/{id:guid}"] = "view",
        ["GET,POST /not-found"] = "anonymous",
        ["GET /oauth/callback"] = "admin",
        ["GET /public/media/{token}"] = "anonymous",
        ["GET,POST /trends"] = "create",
        ["GET,POST /videos/new"] = "create",
        ["GET,POST /videos/{Id:guid}"] = "view",
        // Files outside the static-asset manifest: closed by the fallback policy.
        ["GET,HEAD /{**path:file}"] = EndpointAccess.Fallback,
    };

    internal static async Task<IReadOnlyList<EndpointRule>> StudioEndpointsAsync()
    {
        // A real (empty) database: Hangfire's storage prepares its schema when the app is built.
        var cs = await TestEnvironment.CreateDatabaseAsync("endpoints");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "ViralForge.Web", EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration["ConnectionStrings:ViralForge"] = cs;
        builder.Configuration["Storage:ArtifactsPath"] = Path.Combine(TestEnvironment.NewFolder("endpoints"), "artifacts");
        builder.AddViralForge();
        var app = builder.Build();
        app.UseViralForge();
        return EndpointAccess.Describe(((IEndpointRouteBuilder)app).DataSources);
    }

    private static bool IsStaticFile(EndpointRule rule) => !rule.Route.Contains('{', StringComparison.Ordinal) && StaticFile().IsMatch(rule.Route);

    [Fact]
    public async Task Every_endpoint_declares_who_may_call_it_and_matches_the_intended_table()
    {
        var studio = await StudioEndpointsAsync();
        var files = studio.Where(IsStaticFile).ToList();
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.Equal(EndpointAccess.Anonymous, f.Access));
        var actual = studio.Where(r => !IsStaticFile(r)).ToDictionary(r => $"{r.Methods} {r.Route}", r => r.Access, StringComparer.Ordinal);
        var missing = actual.Keys.Except(Expected.Keys).ToList();
        Assert.True(missing.Count == 0, "Endpoints not in the access matrix (decide who may call them): " + string.Join("; ", missing.Select(m => $"{m} => {actual[m]}")));
        var gone = Expected.Keys.Except(actual.Keys).ToList();
        Assert.True(gone.Count == 0, "Endpoints in the matrix the studio no longer maps: " + string.Join("; ", gone));
        foreach (var (endpoint, access) in Expected)
        {
            Assert.True(access == actual[endpoint], $"{endpoint}: intended {access}, the studio says {actual[endpoint]}");
        }
    }

    private sealed record Principal(string Name, HttpClient Client, Func<string, bool> Allowed);

    [Fact]
    [Trait("Category", "Process")]
    public async Task Every_cell_of_the_access_matrix_holds_over_HTTP()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("access");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("access"));
        await studio.StartAsync();
        HttpClient Keyed(string? key)
        {
            var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = studio.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            if (key is not null)
            {
                client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.Header, key);
            }
            return client;
        }
        var admin = Keyed(await studio.IssueApiKeyAsync("admin"));
        var revokedKey = await studio.IssueApiKeyAsync("admin");
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var revoke = new NpgsqlCommand("UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", conn);
            revoke.Parameters.AddWithValue(ApiKeyAuthenticationHandler.Hash(revokedKey));
            await revoke.ExecuteNonQueryAsync();
        }

        // A creator who signed in through the form, then was disabled by an admin.
        const string password = "Creator-Password-42";
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("api/users", new { email = "gone@viralforge.test", password, roles = new[] { "creator" } })).StatusCode);
        var disabled = await CookieSession.SignInAsync(studio.BaseAddress, "gone@viralforge.test", password);
        Assert.Equal(HttpStatusCode.OK, (await disabled.GetAsync("api/videos")).StatusCode);
        var users = await admin.GetFromJsonAsync<JsonElement>("api/users");
        var goneId = users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == "gone@viralforge.test").GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"api/users/{goneId}/disable", null)).StatusCode);

        static bool Level(string access, params string[] levels) => access is EndpointAccess.Anonymous || levels.Contains(access);
        var principals = new[]
        {
            new Principal("anonymous", Keyed(null), a => a == EndpointAccess.Anonymous),
            new Principal("creator", Keyed(await studio.IssueApiKeyAsync("creator")), a => Level(a, "signed-in", "view", "create")),
            new Principal("reviewer", Keyed(await studio.IssueApiKeyAsync("reviewer")), a => Level(a, "signed-in", "view", "review")),
            new Principal("admin", admin, a => true),
            new Principal("revoked key", Keyed(revokedKey), a => a == EndpointAccess.Anonymous),
            new Principal("disabled user", disabled, a => a == EndpointAccess.Anonymous),
        };

        var failures = new List<string>();
        var cells = 0;
        foreach (var (endpoint, access) in Expected)
        {
            var (method, path) = RequestFor(endpoint);
            var machine = WebExtensions.IsMachinePath(new Microsoft.AspNetCore.Http.PathString(path));
            foreach (var who in principals)
            {
                using var request = new HttpRequestMessage(method, path.TrimStart('/'));
                if (path.EndsWith("/upload", StringComparison.Ordinal) || (method == HttpMethod.Post && path == "/api/references"))
                {
                    // The content type the endpoint accepts, so the request reaches authorization rather than the router's 415.
                    request.Content = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "x.png" } };
                }
                else if (method == HttpMethod.Post || method == HttpMethod.Put)
                {
                    request.Content = JsonContent.Create(new { });
                }
                using var response = await who.Client.SendAsync(request);
                cells++;
                var status = (int)response.StatusCode;
                var location = response.Headers.Location?.ToString() ?? "";
                var challenged = status == 401 || (status == 302 && location.Contains("ReturnUrl=", StringComparison.Ordinal));
                var forbidden = status == 403 || (status == 302 && location.Contains("/Account/Denied", StringComparison.Ordinal));
                if (access == EndpointAccess.Fallback)
                {
                    // Unknown files: nothing serves them, so everyone gets "not found" and nothing else.
                    if (status != 404)
                    {
                        failures.Add("an unknown file did not answer 404 — " + $"{who.Name} × {endpoint}: {status}");
                    }
                    continue;
                }
                var allowed = who.Allowed(access);
                var body = await response.Content.ReadAsStringAsync();
                var cell = $"{who.Name} × {endpoint} ({access}): {status} {location} {body[..Math.Min(160, body.Length)]}";
                if (allowed && (challenged || (forbidden && access != EndpointAccess.Anonymous) || status >= 500))
                {
                    failures.Add("refused or failed but should pass — " + cell);
                }
                if (!allowed && !(challenged || forbidden))
                {
                    failures.Add("let through but should be refused — " + cell);
                }
                if (!allowed && machine && status == 302)
                {
                    failures.Add("a machine path answered with a redirect — " + cell);
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells are wrong:\n" + string.Join("\n", failures) + "\n" + studio.Log[^Math.Min(4000, studio.Log.Length)..]);
    }

    /// <summary>A request that reaches the endpoint: route values filled with things that do not exist, so nothing changes.</summary>
    private static (HttpMethod Method, string Path) RequestFor(string endpoint)
    {
        var space = endpoint.IndexOf(' ', StringComparison.Ordinal);
        var methods = endpoint[..space];
        var route = endpoint[(space + 1)..];
        var path = RouteValue().Replace(route, m => m.Groups[1].Value switch
        {
            var n when n.StartsWith("**", StringComparison.Ordinal) => route.StartsWith("/hangfire", StringComparison.Ordinal) ? "" : "nothing-here.txt",
            "id" or "Id" when m.Value.Contains(":guid", StringComparison.Ordinal) => Guid.NewGuid().ToString(),
            "id" when m.Value.Contains(":int", StringComparison.Ordinal) || m.Value.Contains(":long", StringComparison.Ordinal) => "987654",
            "id" => "no-such-user",
            "scene" => "1",
            "stage" => "clips",
            _ => "no-such-thing",
        });
        var method = methods switch
        {
            "*" => route.EndsWith("negotiate", StringComparison.Ordinal) || route.EndsWith("disconnect/", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get,
            _ => new HttpMethod(methods.Split(',')[0]),
        };
        return (method, path);
    }

    [GeneratedRegex(@"\{([^}:]+)(:[^}]+)?\}")]
    private static partial Regex RouteValue();

    [GeneratedRegex(@"\.[A-Za-z0-9]{1,8}$")]
    private static partial Regex StaticFile();
}
