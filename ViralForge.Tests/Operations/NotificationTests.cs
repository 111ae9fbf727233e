using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Operations;

[Trait("Category", "Process")]
public sealed class NotificationTests
{
    [Fact]
    public async Task Reviewers_hear_of_videos_to_review_creators_of_theirs_going_live_or_stopping_and_each_reads_only_their_own()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("bell");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("bell"));
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        const string password = "Bell-Password-123";
        foreach (var (email, role) in new[] { ("cora@viralforge.test", "creator"), ("rex@viralforge.test", "reviewer") })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("api/users", new { email, password, roles = new[] { role } })).StatusCode);
        }
        var cora = await CookieSession.SignInAsync(studio.BaseAddress, "cora@viralforge.test", password);
        var rex = await CookieSession.SignInAsync(studio.BaseAddress, "rex@viralforge.test", password);

        var videoId = await TestScripts.CreateVideoAsync(cora, TestScripts.Brief(title: "Ring the bell"));
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => (await BellAsync(rex)).Items.Any(i => i.Contains("“Ring the bell” is ready for review", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(120), () => "The reviewer was not told.\n" + studio.Log);
        Assert.DoesNotContain((await BellAsync(cora)).Items, i => i.Contains("ready for review", StringComparison.Ordinal));

        var approve = await rex.PostAsJsonAsync($"api/videos/{videoId}/approve", new { });
        Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());
        await Eventually.WaitAsync(async () => (await BellAsync(cora)).Items.Any(i => i.Contains("“Ring the bell” is live on", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(90), () => "The creator was not told it is live.\n" + studio.Log);

        var broken = await TestScripts.CreateVideoAsync(cora, TestScripts.Brief(title: "Broken voice"),
            new JsonObject { ["Narration"] = new JsonObject { ["voice"] = "xx-no-such-voice" } });
        await Eventually.WaitAsync(async () => (await BellAsync(cora)).Items.Any(i => i.Contains("“Broken voice” stopped at Narration", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(90), () => "The creator was not told the video stopped.\n" + studio.Log);

        // Reading is personal: Rex cannot mark Cora's, and marking his own leaves hers unread.
        var coraBefore = await BellAsync(cora);
        var marked = await (await rex.PostAsJsonAsync("api/notifications/read", new { ids = coraBefore.Ids })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, marked.GetProperty("marked").GetInt32());
        await rex.PostAsJsonAsync("api/notifications/read", new { });
        Assert.Equal(0, (await BellAsync(rex)).Unread);
        Assert.True(coraBefore.Unread >= 2);
        Assert.True((await BellAsync(cora)).Unread >= coraBefore.Unread, "Marking one person's notifications read touched another's.");
        // Four scenes failing together are one message, not four.
        Assert.Single((await BellAsync(cora)).Items, i => i.Contains("“Broken voice” stopped", StringComparison.Ordinal));
    }

    private sealed record Bell(int Unread, List<string> Items, long[] Ids);

    private static async Task<Bell> BellAsync(HttpClient client)
    {
        var body = await client.GetFromJsonAsync<JsonElement>("api/notifications");
        var items = body.GetProperty("items").EnumerateArray().ToList();
        return new Bell(body.GetProperty("unread").GetInt32(), items.Select(i => i.GetProperty("text").GetString()!).ToList(),
            items.Select(i => i.GetProperty("id").GetInt64()).ToArray());
    }
}
