using System.Text.Json;
using System.Text.Json.Nodes;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Pipeline;

/// <summary>
/// A studio with a text-to-image model and SVD models (the tests' tiny ones) and no stock provider: each
/// scene's keyframe is drawn from its visual idea, and SVD animates that picture.
/// </summary>
[Trait("Category", "Process")]
public sealed class GeneratedKeyframesTests
{
    [Fact]
    public async Task Generated_keyframes_are_the_default_and_feed_svd_clips()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("t2i");
        var data = TestEnvironment.NewFolder("t2i-studio");
        var svd = TinySvdModels.Write(Path.Combine(data, "models", "svd"));
        var turbo = TinySdTurbo.Write(Path.Combine(data, "models", "sd-turbo"));
        await using var studio = new StudioProcess(cs, data, new() { ["Gpu__SvdModelsPath"] = svd, ["Gpu__TextToImageModelsPath"] = turbo });
        var db = new PipelineDb(cs);
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var gpu = JsonDocument.Parse(await admin.GetStringAsync("health")).RootElement.GetProperty("checks").GetProperty("gpu").GetProperty("data");
        Assert.Equal("sd-turbo-onnx-cpu", gpu.GetProperty("textToImage").GetString());

        var parameters = new JsonObject
        {
            ["Keyframes"] = new JsonObject { ["candidates"] = 2, ["style"] = "watercolour" },
            ["Clips"] = new JsonObject { ["candidates"] = 1, ["steps"] = 3, ["frames"] = 4, ["maxGuidance"] = 1.2 },
        };
        var id = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), TestScripts.Brief(), parameters);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "AwaitingReview", TimeSpan.FromSeconds(240), () => "Video did not reach review.\n" + studio.Log);

        var detail = JsonDocument.Parse(await admin.GetStringAsync($"api/videos/{id}")).RootElement;
        var runs = detail.GetProperty("runs").EnumerateArray().ToList();
        var script = TestScripts.Brief();
        foreach (var run in runs.Where(r => r.GetProperty("stage").GetString() == "Keyframes"))
        {
            var scene = run.GetProperty("scene").GetInt32();
            var artifacts = run.GetProperty("artifacts").EnumerateArray().ToList();
            var keyframe = artifacts.Single(a => a.GetProperty("kind").GetString() == "keyframe").GetProperty("mediaInfo");
            Assert.Equal("generated", keyframe.GetProperty("source").GetString());
            Assert.Equal("sd-turbo-onnx-cpu", keyframe.GetProperty("engine").GetString());
            Assert.Equal($"{script.Scenes[scene].Visual}, watercolour", keyframe.GetProperty("prompt").GetString());
            var candidates = artifacts.Where(a => a.GetProperty("kind").GetString()!.StartsWith("keyframe-candidate-", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, candidates.Count);
            Assert.NotEqual(candidates[0].GetProperty("sha256").GetString(), candidates[1].GetProperty("sha256").GetString());
            Assert.Equal(candidates[0].GetProperty("mediaInfo").GetProperty("seed").GetInt64() + 1, candidates[1].GetProperty("mediaInfo").GetProperty("seed").GetInt64());
        }
        Assert.All(runs.Where(r => r.GetProperty("stage").GetString() == "Clips"), run =>
            Assert.Equal("svd-onnx-cpu", run.GetProperty("artifacts").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == "clip").GetProperty("mediaInfo").GetProperty("engine").GetString()));
    }
}
