using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Trends;

/// <summary>
/// The Sheets desk against a loopback Sheets v4 server and Google token service, with the real
/// studio: rows judged one by one, a row drafted exactly once, status written back in one batch,
/// quota errors and outages survived, and decisions from the sheet under the studio's role rules.
/// </summary>
public sealed class SheetsDeskTests
{
    private static readonly object?[] BriefsHeader = ["topic", "tone", "seconds", "voice", "channel", "go", "status", "video"];
    private static readonly object?[] ReviewHeader = ["video", "title", "studio", "poster", "status", "decision", "reason", "reviewer", "result"];

    private sealed record Desk(StudioProcess Studio, LoopbackSheets Sheets, HttpClient Admin, string Cs);

    private static async Task<(StudioProcess Studio, LoopbackChatServer Model)> StartAsync(LoopbackSheets sheets, string name, string? credentialJson = null)
    {
        var model = new LoopbackChatServer { Otherwise = new LoopbackChatServer.Answer(Script.ScriptModelHost.GoodScript().ToJson()) };
        var cs = await TestEnvironment.CreateDatabaseAsync(name);
        var studio = new StudioProcess(cs, TestEnvironment.NewFolder(name), new()
        {
            ["Script__Endpoint"] = model.Endpoint,
            ["Script__Model"] = "loopback-model",
            ["Sheets__SpreadsheetId"] = LoopbackSheets.SpreadsheetId,
            ["Sheets__ServiceAccountJson"] = credentialJson ?? sheets.KeyJson,
            ["Sheets__BaseUrl"] = sheets.BaseUrl,
            ["Publishing__PublicBaseUrl"] = "https://studio.example",
        });
        await studio.StartAsync();
        return (studio, model);
    }

    /// <summary>Asks for a sync and waits until it has finished (worked or failed).</summary>
    private static async Task<JsonElement> SyncAsync(HttpClient admin)
    {
        var before = await StateAsync(admin);
        var stamp = Stamp(before);
        (await admin.PostAsync("api/sheets/sync", null)).EnsureSuccessStatusCode();
        JsonElement after = default;
        await Eventually.WaitAsync(async () => Stamp(after = await StateAsync(admin)) != stamp, TimeSpan.FromSeconds(60), () => after.ToString());
        return after;
    }

    private static async Task<JsonElement> StateAsync(HttpClient admin) => (await admin.GetFromJsonAsync<JsonElement>("api/sheets")).GetProperty("state");

    private static string Stamp(JsonElement state) =>
        state.ValueKind == JsonValueKind.Null ? "" : $"{state.GetProperty("lastSuccessAt")}|{state.GetProperty("lastErrorAt")}";

    private static async Task<long> CountAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Brief_rows_are_judged_one_by_one_drafted_once_and_survive_quota_and_outages()
    {
        await using var sheets = new LoopbackSheets();
        sheets.Set("Briefs",
            BriefsHeader,
            ["Why octopuses have three hearts", "playful", 20, "", "", true, "", ""],
            [],
            ["", "calm", 20, "", "", true, "", ""],
            ["Deep sea vents", "", "abc", "", "", true, "", ""],
            ["=IMPORTXML(\"https://evil.example\",\"//title\")", "", 20, "", "", true, "", ""],
            [new string('x', 50_000), "", 20, "", "", true, "", ""],
            ["Coral spawning at night", "", 20, "", "Nope", true, "", ""],
            ["why octopuses have THREE hearts!", "", 20, "", "", true, "", ""],
            ["Tardigrades in space", "", 20, "", "", false, "", ""]);
        sheets.Set("Review", ReviewHeader);
        var (studio, model) = await StartAsync(sheets, "sheetsbriefs");
        await using var _ = studio;
        await using var __ = model;
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));

        // Over quota on the first read: the sync says so, nothing else is touched.
        sheets.Failures.Enqueue(("get", 429));
        var quota = await SyncAsync(admin);
        Assert.Contains("over its quota (429)", quota.GetProperty("lastError").GetString());
        Assert.Equal(0, await CountAsync(studio.ConnectionString, "SELECT count(*) FROM videos"));

        var state = await SyncAsync(admin);
        Assert.Equal(JsonValueKind.String, state.GetProperty("lastSuccessAt").ValueKind);
        Assert.Equal(1, await CountAsync(studio.ConnectionString, "SELECT count(*) FROM videos"));
        Assert.StartsWith("Drafted", sheets.Cell("Briefs", 2, 7), StringComparison.Ordinal);
        Assert.StartsWith("https://studio.example/videos/", sheets.Cell("Briefs", 2, 8), StringComparison.Ordinal);
        Assert.Equal("", sheets.Cell("Briefs", 3, 7));
        Assert.Contains("Give a topic", sheets.Cell("Briefs", 4, 7));
        Assert.Contains("Seconds must be a whole number", sheets.Cell("Briefs", 5, 7));
        Assert.Contains("formula", sheets.Cell("Briefs", 6, 7));
        Assert.Contains("50,000 characters long", sheets.Cell("Briefs", 7, 7));
        Assert.Contains("There is no channel “Nope”", sheets.Cell("Briefs", 8, 7));
        Assert.Contains("same topic is in row 2", sheets.Cell("Briefs", 9, 7));
        Assert.Equal("Ready: tick “go” to start it.", sheets.Cell("Briefs", 10, 7));
        Assert.All(new[] { 4, 5, 6, 7, 8, 9 }, row => Assert.StartsWith("⚠", sheets.Cell("Briefs", row, 7), StringComparison.Ordinal));
        // Every status in one write.
        Assert.Equal(1, sheets.Updates);

        // Sheets down while writing back: the draft stays made once, and its status goes out with the next sync.
        sheets.Write("Briefs", 10, 6, true);
        sheets.Failures.Enqueue(("update", 503));
        var outage = await SyncAsync(admin);
        Assert.Contains("Sheets failed (503)", outage.GetProperty("lastError").GetString());
        Assert.Equal(2, await CountAsync(studio.ConnectionString, "SELECT count(*) FROM videos"));
        Assert.Equal("Ready: tick “go” to start it.", sheets.Cell("Briefs", 10, 7));
        await SyncAsync(admin);
        Assert.StartsWith("In the studio", sheets.Cell("Briefs", 10, 7), StringComparison.Ordinal);
        Assert.StartsWith("https://studio.example/videos/", sheets.Cell("Briefs", 10, 8), StringComparison.Ordinal);

        // An edit after drafting is reported, never a second video.
        await Eventually.WaitAsync(async () => await CountAsync(studio.ConnectionString, "SELECT count(*) FROM videos WHERE status = 'ScriptDraft'") == 2,
            TimeSpan.FromSeconds(60), () => studio.Log[^Math.Min(3000, studio.Log.Length)..]);
        sheets.Write("Briefs", 2, 2, "dramatic");
        var updatesBefore = sheets.Updates;
        await SyncAsync(admin);
        Assert.Contains("In the studio: script to check.", sheets.Cell("Briefs", 2, 7));
        Assert.Contains("edited after the draft was made", sheets.Cell("Briefs", 2, 7));
        Assert.Equal(2, await CountAsync(studio.ConnectionString, "SELECT count(*) FROM videos"));
        Assert.Equal(updatesBefore + 1, sheets.Updates);
        // Nothing changed since: nothing is written.
        await SyncAsync(admin);
        Assert.Equal(updatesBefore + 1, sheets.Updates);
        // One token for all of it (Google.Apis.Auth keeps it until it nears its end).
        Assert.Equal(1, sheets.Tokens);
    }

    [Fact]
    public async Task A_decision_in_the_review_tab_is_applied_only_for_a_reviewer_through_a_persons_grant()
    {
        // This desk reaches the sheet through a person's OAuth grant (an authorized-user credential), not a service account.
        await using var sheets = new LoopbackSheets();
        sheets.Set("Briefs", BriefsHeader);
        sheets.Set("Review", ReviewHeader);
        var (studio, model) = await StartAsync(sheets, "sheetsreview", sheets.UserJson);
        await using var _ = studio;
        await using var __ = model;
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), TestScripts.Brief(title: "Sheet reviewed"));
        await Eventually.WaitAsync(async () => await new PipelineDb(studio.ConnectionString).VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        await AddCreatorAccountAsync(studio.ConnectionString, "casey@viralforge.test");

        await SyncAsync(admin);
        Assert.Equal(videoId.ToString(), sheets.Cell("Review", 2, 1));
        Assert.Equal("Sheet reviewed", sheets.Cell("Review", 2, 2));
        Assert.Equal($"https://studio.example/videos/{videoId}", sheets.Cell("Review", 2, 3));
        Assert.StartsWith("https://studio.example/media/", sheets.Cell("Review", 2, 4), StringComparison.Ordinal);
        Assert.Equal("awaiting review", sheets.Cell("Review", 2, 5));

        // A creator's name in "reviewer" is refused, and the refusal is written back.
        sheets.Write("Review", 2, 6, "approve");
        sheets.Write("Review", 2, 8, "casey@viralforge.test");
        await SyncAsync(admin);
        Assert.Equal("Refused: casey@viralforge.test is not a reviewer; only reviewers decide.", sheets.Cell("Review", 2, 9));
        Assert.Equal("AwaitingReview", await new PipelineDb(studio.ConnectionString).VideoStatusAsync(videoId));

        sheets.Write("Review", 2, 8, "nobody@viralforge.test");
        await SyncAsync(admin);
        Assert.Equal("Refused: there is no studio account “nobody@viralforge.test”.", sheets.Cell("Review", 2, 9));

        sheets.Write("Review", 2, 8, StudioProcess.AdminEmail);
        await SyncAsync(admin);
        Assert.StartsWith($"Applied: approved by {StudioProcess.AdminEmail}", sheets.Cell("Review", 2, 9), StringComparison.Ordinal);
        await Eventually.WaitAsync(async () => await new PipelineDb(studio.ConnectionString).VideoStatusAsync(videoId) is "Approved" or "Published",
            TimeSpan.FromSeconds(60), () => studio.Log);
        var reviews = (await admin.GetFromJsonAsync<JsonElement>($"api/videos/{videoId}")).GetProperty("reviews");
        Assert.Equal($"{StudioProcess.AdminEmail} (from the sheet)", reviews[0].GetProperty("reviewer").GetString());
        await SyncAsync(admin);
        Assert.NotEqual("awaiting review", sheets.Cell("Review", 2, 5));
        Assert.Contains("OAuth grant", (await admin.GetFromJsonAsync<JsonElement>("api/sheets")).GetProperty("identity").GetString());

        // The person revokes the grant: the next sync says so in words, and the pipeline is not touched.
        sheets.GrantRevoked = true;
        var revoked = await SyncAsync(admin);
        Assert.Contains("Google refused the account's grant (invalid_grant): it was revoked or has expired", revoked.GetProperty("lastError").GetString());
        foreach (var secret in sheets.Secrets)
        {
            Assert.DoesNotContain(secret, studio.Log);
        }
    }

    private static async Task AddCreatorAccountAsync(string cs, string email)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        var id = Guid.NewGuid().ToString();
        await using (var user = new NpgsqlCommand("""
            INSERT INTO "AspNetUsers" (id, created_at, user_name, normalized_user_name, email, normalized_email, email_confirmed, security_stamp,
              phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count)
            VALUES ($1, now(), $2, upper($2), $2, upper($2), true, $1, false, false, true, 0)
            """, conn))
        {
            user.Parameters.AddWithValue(id);
            user.Parameters.AddWithValue(email);
            await user.ExecuteNonQueryAsync();
        }
        await using var cmd = new NpgsqlCommand("""INSERT INTO "AspNetUserRoles" (user_id, role_id) SELECT $1, id FROM "AspNetRoles" WHERE name = 'creator'""", conn);
        cmd.Parameters.AddWithValue(id);
        await cmd.ExecuteNonQueryAsync();
    }
}
