using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Script;
using static ViralForge.Tests.Infrastructure.LoopbackChatServer;

namespace ViralForge.Tests.Pipeline;

/// <summary>A studio whose script model is an OpenAI-compatible endpoint (a loopback server): drafts, edits, regeneration, dead letter.</summary>
[Trait("Category", "Process")]
public sealed class ScriptModelStudioTests
{
    private static JsonObject Generate(string topic, bool autoContinue = false) => new()
    {
        ["generate"] = new JsonObject { ["topic"] = topic, ["tone"] = "playful", ["seconds"] = 20, ["language"] = "en", ["autoContinue"] = autoContinue },
    };

    private static async Task<Guid> CreateAsync(HttpClient client, JsonObject body)
    {
        var response = await client.PostAsJsonAsync("api/videos", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> VideoAsync(HttpClient client, Guid id) =>
        JsonDocument.Parse(await client.GetStringAsync($"api/videos/{id}")).RootElement;

    [Fact]
    public async Task A_brief_becomes_a_draft_the_creator_edits_regenerates_and_continues_and_bad_answers_dead_letter()
    {
        await using var server = new LoopbackChatServer
        {
            Respond = body =>
            {
                var user = (string)body["messages"]!.AsArray()[^1]!["content"]!;
                return user.Contains("poison", StringComparison.Ordinal) || user.StartsWith("That answer was rejected", StringComparison.Ordinal)
                    ? new Answer("Here you go: no JSON at all.")
                    : new Answer(ScriptModelHost.GoodScript().ToJson() is var json && user.Contains("squid", StringComparison.Ordinal) ? json.Replace("octopuses", "squids") : json);
            },
        };
        var cs = await TestEnvironment.CreateDatabaseAsync("llm");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("llm"), new()
        {
            ["Script__Endpoint"] = server.Endpoint,
            ["Script__Model"] = "loopback-model",
            ["Script__ApiKey"] = "sk-never-logged",
        });
        var db = new PipelineDb(cs);
        await studio.StartAsync();
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var reviewer = studio.Client(await studio.IssueApiKeyAsync("reviewer"));

        var model = JsonDocument.Parse(await creator.GetStringAsync("api/script-model")).RootElement;
        Assert.True(model.GetProperty("available").GetBoolean());

        var id = await CreateAsync(creator, Generate("octopus facts"));
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "ScriptDraft", TimeSpan.FromSeconds(60), () => "No draft.\n" + studio.Log);
        var video = await VideoAsync(creator, id);
        Assert.Equal("Three odd facts about octopuses", video.GetProperty("title").GetString());
        var scriptRun = video.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("stage").GetString() == "Script");
        var origin = scriptRun.GetProperty("artifacts")[0].GetProperty("mediaInfo");
        Assert.Equal("loopback-model", origin.GetProperty("model").GetString());
        Assert.Equal("script", origin.GetProperty("template").GetString());
        Assert.Equal(1, origin.GetProperty("promptVersion").GetInt32());
        // Nothing else runs until the creator has checked the script.
        Assert.All(await db.RunsAsync(id), r => Assert.Equal("Script", r.Stage));

        // Only a creator decides about the draft.
        var edited = ScriptModelHost.GoodScript() with { Title = "My own title" };
        Assert.Equal(HttpStatusCode.Forbidden, (await reviewer.PostAsJsonAsync($"api/videos/{id}/script", new { script = edited, proceed = true }, TestScripts.Json)).StatusCode);
        var save = await creator.PostAsJsonAsync($"api/videos/{id}/script", new { script = edited, proceed = false }, TestScripts.Json);
        Assert.True(save.IsSuccessStatusCode, await save.Content.ReadAsStringAsync());
        Assert.Equal("My own title", (await VideoAsync(creator, id)).GetProperty("script").GetProperty("title").GetString());
        Assert.Equal("ScriptDraft", await db.VideoStatusAsync(id));

        // Regenerate with another topic: the model is asked again, with the new topic.
        var retry = await creator.PostAsJsonAsync($"api/videos/{id}/stages/script/retry", new { parameters = new { topic = "squid facts", seed = 5 } });
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        await Eventually.WaitAsync(async () => (await VideoAsync(creator, id)).GetProperty("title").GetString() == "Three odd facts about squids",
            TimeSpan.FromSeconds(60), () => "No new draft.\n" + studio.Log);
        Assert.Contains("<topic>squid facts</topic>", (string)server.Requests.Last().Body["messages"]!.AsArray()[^1]!["content"]!);
        Assert.Equal("ScriptDraft", await db.VideoStatusAsync(id));
        // A regeneration with an empty topic is refused before anything is superseded.
        var runsBefore = (await db.RunsAsync(id)).Select(r => (r.Id, r.Status, r.Live)).ToList();
        var empty = await creator.PostAsJsonAsync($"api/videos/{id}/stages/script/retry", new { parameters = new { topic = " \u0000 " } });
        Assert.Equal(HttpStatusCode.Conflict, empty.StatusCode);
        Assert.Contains("Give a topic", await empty.Content.ReadAsStringAsync());
        Assert.Equal(runsBefore, (await db.RunsAsync(id)).Select(r => (r.Id, r.Status, r.Live)).ToList());

        // Continue: keyframes and narration start for every scene of the script as it stands.
        var go = await creator.PostAsJsonAsync($"api/videos/{id}/script", new { proceed = true });
        Assert.Equal(HttpStatusCode.Accepted, go.StatusCode);
        var started = JsonDocument.Parse(await go.Content.ReadAsStringAsync()).RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(6, started.Count(r => r.GetProperty("stage").GetString() == "Keyframes"));
        Assert.Equal(6, started.Count(r => r.GetProperty("stage").GetString() == "Narration"));
        Assert.Equal("InProgress", await db.VideoStatusAsync(id));
        Assert.Equal(HttpStatusCode.Conflict, (await creator.PostAsJsonAsync($"api/videos/{id}/script", new { proceed = true })).StatusCode);

        // An unattended request goes straight on.
        var auto = await CreateAsync(creator, Generate("octopus facts", autoContinue: true));
        await Eventually.WaitAsync(async () => (await db.RunsAsync(auto)).Any(r => r.Stage == "Keyframes"), TimeSpan.FromSeconds(60), () => "Did not continue.\n" + studio.Log);

        // A model that never gives a valid script: four attempts, then a dead letter with the reasons.
        var poisoned = await CreateAsync(creator, Generate("poison"));
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(poisoned) == "Failed", TimeSpan.FromSeconds(60), () => "Not dead-lettered.\n" + studio.Log);
        var dead = (await db.RunsAsync(poisoned)).Single(r => r.Stage == "Script");
        Assert.Equal("DeadLettered", dead.Status);
        Assert.Contains("did not write a valid script in 4 attempts", dead.Error);
        Assert.Contains("text before or after the JSON object", dead.Error);
        Assert.Contains("not retried", dead.Error);

        Assert.DoesNotContain("sk-never-logged", studio.Log);
    }
}
