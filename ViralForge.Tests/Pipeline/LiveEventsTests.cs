using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Pipeline;

[Trait("Category", "Process")]
public sealed class LiveEventsTests
{
    [Fact]
    public async Task An_api_client_on_the_hub_hears_every_stage_of_its_video_and_progress()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("hub");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("hub"));
        await studio.StartAsync();
        var key = await studio.IssueApiKeyAsync("reviewer");

        // Without a key the hub refuses the connection.
        await using (var anonymous = new HubConnectionBuilder().WithUrl(new Uri(studio.BaseAddress, "hubs/pipeline")).Build())
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => anonymous.StartAsync());
        }

        var events = new ConcurrentQueue<JsonElement>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(studio.BaseAddress, "hubs/pipeline"), o => o.Headers.Add("X-Api-Key", key))
            .Build();
        hub.On<JsonElement>("pipelineEvent", e => events.Enqueue(e));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinBoard");

        var videoId = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), TestScripts.Brief());
        await hub.InvokeAsync("JoinVideo", videoId);
        await Eventually.WaitAsync(() => Task.FromResult(events.Any(e => e.GetProperty("stage").GetString() == "Review" && e.GetProperty("status").GetString() == "Waiting")),
            TimeSpan.FromSeconds(120), () => $"No review event; heard {events.Count} events.\n{studio.Log}");

        var mine = events.Where(e => e.GetProperty("videoId").GetGuid() == videoId).ToList();
        foreach (var stage in new[] { "Script", "Keyframes", "Clips", "Narration", "Compose" })
        {
            Assert.Contains(mine, e => e.GetProperty("stage").GetString() == stage && e.GetProperty("status").GetString() == "Succeeded");
        }
        Assert.Contains(mine, e => e.TryGetProperty("fraction", out var f) && f.ValueKind == JsonValueKind.Number && f.GetDouble() is > 0 and <= 1);
    }
}
