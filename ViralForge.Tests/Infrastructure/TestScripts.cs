using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ViralForge.Core.Script;

namespace ViralForge.Tests.Infrastructure;

public static class TestScripts
{
    public static ScriptDocument Brief(int scenes = 4, double seconds = 2, string title = "Test short") => new()
    {
        Title = title,
        Hook = "A hook.",
        Scenes = Enumerable.Range(1, scenes).Select(i => new SceneScript
        {
            Narration = $"Scene {i} says hello.",
            Visual = $"Visual {i}",
            DurationSeconds = seconds,
        }).ToList(),
        CaptionText = "Caption",
        Hashtags = ["test", "viralforge"],
        CallToAction = "Follow.",
    };

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static async Task<Guid> CreateVideoAsync(HttpClient client, ScriptDocument script, JsonObject? parameters = null)
    {
        var response = await client.PostAsJsonAsync("api/videos", new { brief = "test", script, parameters }, Json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Create failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }
}

public static class Eventually
{
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s: {describe()}");
    }
}
