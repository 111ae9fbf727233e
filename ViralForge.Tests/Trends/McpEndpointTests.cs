using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Trends;

/// <summary>
/// The studio's MCP endpoint driven by the SDK's own client over streamable HTTP: tools follow the
/// API key's role, a creator drafts from a topic and from a trend and reads the status, only a
/// reviewer decides.
/// </summary>
public sealed class McpEndpointTests
{
    private static async Task<McpClient> ConnectAsync(StudioProcess studio, string key) =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(studio.BaseAddress, "mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["X-Api-Key"] = key },
        }));

    private static string Text(CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task An_agent_lists_trends_drafts_reads_status_and_only_a_reviewer_key_decides()
    {
        await using var feeds = new LoopbackTrendHost();
        feeds.Route("/daily.xml", LoopbackTrendHost.Body("application/rss+xml", TrendBodies.GoogleTrends(DateTimeOffset.UtcNow.AddMinutes(-15))));
        await using var model = new LoopbackChatServer { Otherwise = new LoopbackChatServer.Answer(Script.ScriptModelHost.GoodScript().ToJson()) };
        var cs = await TestEnvironment.CreateDatabaseAsync("mcp");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("mcp"), new()
        {
            ["Script__Endpoint"] = model.Endpoint,
            ["Script__Model"] = "loopback-model",
            ["Trends__DispatchEverySeconds"] = "1",
        });
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var creatorKey = await studio.IssueApiKeyAsync("creator");
        var reviewerKey = await studio.IssueApiKeyAsync("reviewer");
        (await admin.PostAsJsonAsync("api/trend-sources", new { name = "Daily", kind = "Feed", address = feeds.BaseUrl + "daily.xml" }, TestScripts.Json)).EnsureSuccessStatusCode();

        // Without a key there is no MCP at all.
        using (var anonymous = new HttpClient { BaseAddress = studio.BaseAddress })
        {
            var refused = await anonymous.PostAsync("mcp", JsonContent.Create(new { jsonrpc = "2.0", id = 1, method = "tools/list" }));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await using var creator = await ConnectAsync(studio, creatorKey);
        var tools = (await creator.ListToolsAsync()).Select(t => t.Name).Order().ToList();
        Assert.Equal(new[] { "draft_video", "list_trends", "video_status" }, tools);

        List<JsonElement> trends = [];
        await Eventually.WaitAsync(async () =>
        {
            var listed = await creator.CallToolAsync("list_trends", new Dictionary<string, object?> { ["limit"] = 10 });
            trends = JsonDocument.Parse(Text(listed)).RootElement.EnumerateArray().ToList();
            return trends.Count == 3;
        }, TimeSpan.FromSeconds(30), () => $"trends: {trends.Count}\n{studio.Log[^Math.Min(3000, studio.Log.Length)..]}");
        var aurora = trends.Single(t => t.GetProperty("title").GetString() == "northern lights");
        Assert.Equal("500K+", aurora.GetProperty("traffic").GetString());

        var fromTrend = await creator.CallToolAsync("draft_video", new Dictionary<string, object?> { ["trendId"] = aurora.GetProperty("id").GetInt64(), ["seconds"] = 20 });
        Assert.True(fromTrend.IsError != true, Text(fromTrend));
        var trendVideo = JsonDocument.Parse(Text(fromTrend)).RootElement.GetProperty("videoId").GetGuid();
        var fromTopic = await creator.CallToolAsync("draft_video", new Dictionary<string, object?> { ["topic"] = "octopus facts", ["seconds"] = 20 });
        Assert.True(fromTopic.IsError != true, Text(fromTopic));

        JsonElement state = default;
        await Eventually.WaitAsync(async () =>
        {
            state = JsonDocument.Parse(Text(await creator.CallToolAsync("video_status", new Dictionary<string, object?> { ["videoId"] = trendVideo }))).RootElement;
            return state.GetProperty("status").GetString() == "ScriptDraft";
        }, TimeSpan.FromSeconds(60), () => state.ToString());
        Assert.Contains(state.GetProperty("stages").EnumerateArray(), s => s.GetString() == "Script: Waiting");
        Assert.Contains(state.GetProperty("artifacts").EnumerateArray(), a => a.GetProperty("kind").GetString() == "script" && a.GetProperty("url").GetString()!.StartsWith("/media/", StringComparison.Ordinal));
        var detail = await studio.Client(creatorKey).GetFromJsonAsync<JsonElement>($"api/videos/{trendVideo}");
        Assert.Contains("From trend: “northern lights” (Daily)", detail.GetProperty("brief").GetString());
        // The source is credited with the video (its numbers are counted per source).
        var source = Assert.Single((await admin.GetFromJsonAsync<JsonElement>("api/trend-sources")).EnumerateArray());
        Assert.Equal(1, source.GetProperty("videos").GetInt32());
        Assert.Equal(0, source.GetProperty("live").GetInt32());

        // A bad topic is an error the agent can read, not a crash.
        var empty = await creator.CallToolAsync("draft_video", new Dictionary<string, object?> { ["topic"] = "  " });
        Assert.True(empty.IsError == true);
        Assert.Contains("Give a topic", Text(empty));

        // A creator key cannot decide; a reviewer key can.
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(creatorKey), TestScripts.Brief(title: "Agent approved"));
        await Eventually.WaitAsync(async () => await new PipelineDb(cs).VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        var denied = await CallOrErrorAsync(creator, "approve_video", new() { ["videoId"] = videoId });
        Assert.True(denied.Failed, denied.Text);
        Assert.Equal("AwaitingReview", await new PipelineDb(cs).VideoStatusAsync(videoId));

        await using var reviewer = await ConnectAsync(studio, reviewerKey);
        Assert.Contains("approve_video", (await reviewer.ListToolsAsync()).Select(t => t.Name));
        var approved = await reviewer.CallToolAsync("approve_video", new Dictionary<string, object?> { ["videoId"] = videoId, ["slot"] = "now" });
        Assert.True(approved.IsError != true, Text(approved));
        await Eventually.WaitAsync(async () => await new PipelineDb(cs).VideoStatusAsync(videoId) is "Approved" or "Published", TimeSpan.FromSeconds(60), () => studio.Log);
        var reviews = (await studio.Client(creatorKey).GetFromJsonAsync<JsonElement>($"api/videos/{videoId}")).GetProperty("reviews");
        Assert.StartsWith("api:test-reviewer-", reviews[0].GetProperty("reviewer").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A refused call may come back as a protocol error or as a tool error; either way it must fail.</summary>
    private static async Task<(bool Failed, string Text)> CallOrErrorAsync(McpClient client, string tool, Dictionary<string, object?> args)
    {
        try
        {
            var result = await client.CallToolAsync(tool, args);
            return (result.IsError == true, Text(result));
        }
        catch (ModelContextProtocol.McpException ex)
        {
            return (true, ex.Message);
        }
    }
}
