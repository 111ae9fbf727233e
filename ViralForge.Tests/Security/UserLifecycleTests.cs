using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ViralForge.Tests.Infrastructure;
using ViralForge.Web.Security;

namespace ViralForge.Tests.Security;

[Trait("Category", "Process")]
public sealed class UserLifecycleTests
{
    [Fact]
    public async Task Disabling_a_user_ends_their_session_and_keys_at_once_and_roles_and_passwords_change_under_audit()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("users");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("users"));
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        const string email = "maya@viralforge.test", password = "Maya-Password-123";
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("api/users", new { email, password, roles = new[] { "creator" } })).StatusCode);
        var bad = await admin.PostAsJsonAsync("api/users", new { email = "x@viralforge.test", password, roles = new[] { "owner" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Unknown role 'owner'", await bad.Content.ReadAsStringAsync());

        var session = await CookieSession.SignInAsync(studio.BaseAddress, email, password);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("api/videos")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await session.PostAsync($"api/videos/{Guid.NewGuid()}/approve", JsonContent.Create(new { }))).StatusCode);
        var maya = await UserAsync(admin, email);
        Assert.True(maya.GetProperty("lastSignInAt").ValueKind == JsonValueKind.String, "The sign-in was not recorded.");
        var id = maya.GetProperty("id").GetString()!;

        // A key Maya issued (keys are issued by a named user) works while she is active.
        var key = ApiKeyAuthenticationHandler.NewKey();
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("INSERT INTO api_keys (name, prefix, key_hash, role, created_by, created_at) VALUES ('maya-bot', $1, $2, 'creator', $3, now())", conn);
            cmd.Parameters.AddWithValue(key[..8]);
            cmd.Parameters.AddWithValue(ApiKeyAuthenticationHandler.Hash(key));
            cmd.Parameters.AddWithValue(email);
            await cmd.ExecuteNonQueryAsync();
        }
        var bot = studio.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await bot.GetAsync("api/videos")).StatusCode);

        // Roles change on her very next request, without signing in again.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync($"api/users/{id}/roles", new { roles = new[] { "creator", "reviewer" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await session.PostAsync($"api/videos/{Guid.NewGuid()}/approve", JsonContent.Create(new { }))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"api/users/{id}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("api/videos")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bot.GetAsync("api/videos")).StatusCode);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => CookieSession.SignInAsync(studio.BaseAddress, email, password));
        Assert.Contains("This account is disabled", refused.Message);

        // Enabled again, with a password the admin reset: the old password no longer works.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"api/users/{id}/enable", null)).StatusCode);
        var reset = await (await admin.PostAsync($"api/users/{id}/reset-password", null)).Content.ReadFromJsonAsync<JsonElement>();
        var fresh = reset.GetProperty("password").GetString()!;
        await Assert.ThrowsAnyAsync<Exception>(() => CookieSession.SignInAsync(studio.BaseAddress, email, password));
        var again = await CookieSession.SignInAsync(studio.BaseAddress, email, fresh);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("api/videos")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bot.GetAsync("api/videos")).StatusCode);

        // The studio never loses its last admin.
        var adminId = (await UserAsync(admin, StudioProcess.AdminEmail)).GetProperty("id").GetString();
        var lastAdmin = await admin.PostAsync($"api/users/{adminId}/disable", null);
        Assert.Equal(HttpStatusCode.BadRequest, lastAdmin.StatusCode);
        Assert.Contains("last active admin", await lastAdmin.Content.ReadAsStringAsync());

        // Who did what, and never a password in the audit.
        await using var db = new NpgsqlConnection(cs);
        await db.OpenAsync();
        await using var audit = new NpgsqlCommand("SELECT string_agg(action || ' ' || coalesce(subject, '') || ' ' || coalesce(details_json::text, ''), E'\\n' ORDER BY id) FROM audit_log WHERE action LIKE 'user.%'", db);
        var log = (string)(await audit.ExecuteScalarAsync())!;
        foreach (var action in new[] { "user.add", "user.roles", "user.disable", "user.enable", "user.reset-password" })
        {
            Assert.Contains($"{action} {email}", log);
        }
        Assert.DoesNotContain(fresh, log);
        Assert.DoesNotContain(password, log);
        Assert.DoesNotContain(fresh, studio.Log);
    }

    private static async Task<JsonElement> UserAsync(HttpClient admin, string email) =>
        (await admin.GetFromJsonAsync<JsonElement>("api/users")).EnumerateArray().Single(u => u.GetProperty("email").GetString() == email);
}
