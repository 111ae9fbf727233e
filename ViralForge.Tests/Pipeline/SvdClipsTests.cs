using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Pipeline;

/// <summary>A studio with SVD models in its models folder (the tests' tiny ones): every clip is generated, gated and chosen.</summary>
[Trait("Category", "Process")]
public sealed class SvdClipsTests
{
    [Fact]
    public async Task Clips_come_from_svd_candidates_through_the_drift_gate_with_live_step_progress()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("svd");
        var data = TestEnvironment.NewFolder("svd-studio");
        var models = TinySvdModels.Write(Path.Combine(data, "models"));
        await using var studio = new StudioProcess(cs, data, new() { ["Gpu__SvdModelsPath"] = models });
        var db = new PipelineDb(cs);
        await studio.StartAsync();
        var reviewer = await studio.IssueApiKeyAsync("reviewer");
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));

        var health = JsonDocument.Parse(await admin.GetStringAsync("health")).RootElement.GetProperty("checks").GetProperty("gpu");
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("svd-onnx-cpu", health.GetProperty("data").GetProperty("videoDiffusion").GetString());

        var events = new ConcurrentQueue<JsonElement>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(studio.BaseAddress, "hubs/pipeline"), o => o.Headers.Add("X-Api-Key", reviewer))
            .Build();
        hub.On<JsonElement>("pipelineEvent", e => events.Enqueue(e));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinBoard");

        var parameters = new JsonObject { ["Clips"] = new JsonObject { ["candidates"] = 2, ["steps"] = 6, ["frames"] = 8, ["maxGuidance"] = 1.2 } };
        var id = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), TestScripts.Brief(), parameters);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "AwaitingReview", TimeSpan.FromSeconds(180), () => "Video did not reach review.\n" + studio.Log);

        var detail = JsonDocument.Parse(await admin.GetStringAsync($"api/videos/{id}")).RootElement;
        foreach (var run in detail.GetProperty("runs").EnumerateArray().Where(r => r.GetProperty("stage").GetString() == "Clips"))
        {
            var artifacts = run.GetProperty("artifacts").EnumerateArray().ToList();
            var clip = artifacts.Single(a => a.GetProperty("kind").GetString() == "clip").GetProperty("mediaInfo");
            Assert.Equal("svd-onnx-cpu", clip.GetProperty("engine").GetString());
            var candidates = artifacts.Where(a => a.GetProperty("kind").GetString()!.StartsWith("clip-candidate-", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, candidates.Count);
            Assert.All(candidates, c => Assert.True(c.GetProperty("mediaInfo").GetProperty("drift").TryGetProperty("sharpnessRatio", out _)));
            Assert.NotEqual(candidates[0].GetProperty("mediaInfo").GetProperty("seed").GetInt64(), candidates[1].GetProperty("mediaInfo").GetProperty("seed").GetInt64());
        }
        // A reviewer prefers the other candidate of scene 2: it becomes the clip, byte for byte, and the cut is composed again.
        var scene2 = detail.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("stage").GetString() == "Clips" && r.GetProperty("scene").GetInt32() == 1);
        var other = scene2.GetProperty("artifacts").EnumerateArray()
            .First(a => a.GetProperty("kind").GetString()!.StartsWith("clip-candidate-", StringComparison.Ordinal) && !a.GetProperty("mediaInfo").GetProperty("chosen").GetBoolean());
        var chose = await studio.Client(reviewer).PostAsJsonAsync($"api/videos/{id}/scenes/2/clips/choose", new { candidateId = other.GetProperty("id").GetGuid() });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, chose.StatusCode);
        await Eventually.WaitAsync(async () => (await db.RunsAsync(id)).Count(r => r.Stage == "Clips") == 5 && await db.VideoStatusAsync(id) == "AwaitingReview",
            TimeSpan.FromSeconds(120), () => "The chosen clip was not used.\n" + studio.Log);
        var after = JsonDocument.Parse(await admin.GetStringAsync($"api/videos/{id}")).RootElement.GetProperty("runs").EnumerateArray()
            .Single(r => r.GetProperty("stage").GetString() == "Clips" && r.GetProperty("scene").GetInt32() == 1);
        var clipNow = after.GetProperty("artifacts").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == "clip");
        Assert.Equal(other.GetProperty("sha256").GetString(), clipNow.GetProperty("sha256").GetString());
        // The audit names the reviewer who chose, not a role.
        Assert.StartsWith("api:test-reviewer-", clipNow.GetProperty("mediaInfo").GetProperty("chosenBy").GetString());

        var messages = events.Where(e => e.GetProperty("videoId").GetGuid() == id && e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
            .Select(e => e.GetProperty("message").GetString()!).ToList();
        Assert.Contains(messages, m => System.Text.RegularExpressions.Regex.IsMatch(m, @"^scene \d, candidate [12]/2, step [1-6]/6$"));
    }

    [Fact]
    public async Task Models_installed_after_a_video_make_a_clip_retry_generate_instead_of_reusing_its_motion_clip()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("svdlate");
        var data = TestEnvironment.NewFolder("svd-late");
        var models = Directory.CreateDirectory(Path.Combine(data, "models")).FullName;
        await using var studio = new StudioProcess(cs, data, new() { ["Gpu__SvdModelsPath"] = models });
        var db = new PipelineDb(cs);
        await studio.StartAsync();
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));

        var parameters = new JsonObject { ["Clips"] = new JsonObject { ["candidates"] = 1, ["steps"] = 4, ["frames"] = 8, ["maxGuidance"] = 1.2 } };
        var id = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(), parameters);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "AwaitingReview", TimeSpan.FromSeconds(240), () => "Video did not reach review.\n" + studio.Log);
        Assert.Equal("cpu-motion", await ClipEngineAsync(admin, id, scene: 0));

        // The admin installs the models; the same retry as before must not reuse the motion clip.
        TinySvdModels.Write(models);
        var retry = await creator.PostAsJsonAsync($"api/videos/{id}/stages/Clips/retry", new { scene = 1 });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, retry.StatusCode);
        await Eventually.WaitAsync(async () => (await db.RunsAsync(id)).Count(r => r.Stage == "Clips") == 5 && await db.VideoStatusAsync(id) == "AwaitingReview",
            TimeSpan.FromSeconds(120), () => "The retried clip did not finish.\n" + studio.Log);
        Assert.Equal("svd-onnx-cpu", await ClipEngineAsync(admin, id, scene: 0));
        Assert.Equal("cpu-motion", await ClipEngineAsync(admin, id, scene: 1));
    }

    private static async Task<string?> ClipEngineAsync(HttpClient client, Guid id, int scene)
    {
        var runs = JsonDocument.Parse(await client.GetStringAsync($"api/videos/{id}")).RootElement.GetProperty("runs").EnumerateArray();
        var run = runs.Single(r => r.GetProperty("stage").GetString() == "Clips" && r.GetProperty("scene").GetInt32() == scene);
        return run.GetProperty("artifacts").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == "clip").GetProperty("mediaInfo").GetProperty("engine").GetString();
    }

    [Fact]
    public async Task Cuda_asked_for_but_unusable_is_unhealthy_with_the_reason_and_clips_say_they_are_cpu_motion()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("svdcuda");
        var data = TestEnvironment.NewFolder("svd-cuda");
        var models = TinySvdModels.Write(Path.Combine(data, "models"));
        await using var studio = new StudioProcess(cs, data, new() { ["Gpu__SvdModelsPath"] = models, ["Gpu__ExecutionProvider"] = "cuda" });
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var response = await admin.GetAsync("health");
        var gpu = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("gpu");
        if (gpu.GetProperty("data").GetProperty("provider").GetString() == "cuda")
        {
            return; // a machine where CUDA really works
        }
        Assert.Equal("Unhealthy", gpu.GetProperty("status").GetString());
        Assert.StartsWith("cuda was asked for and cannot be used:", gpu.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("unavailable", gpu.GetProperty("data").GetProperty("videoDiffusion").GetString());
    }
}
