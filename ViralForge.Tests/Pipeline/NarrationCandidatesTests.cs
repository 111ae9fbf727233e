using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ViralForge.Core.Media;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Pipeline;

/// <summary>A video narrated by a Piper voice from the voices folder: scored candidates, loudness, and a reviewer's choice.</summary>
[Trait("Category", "Process")]
public sealed class NarrationCandidatesTests
{
    [Fact]
    public async Task Candidates_are_scored_levelled_and_a_reviewer_can_choose_another()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("voices");
        var data = TestEnvironment.NewFolder("voices");
        var voices = Path.Combine(data, "voices");
        TinyPiperVoice.Write(voices);
        await using var studio = new StudioProcess(cs, data, new() { ["Media__VoicesPath"] = voices });
        var db = new PipelineDb(cs);
        await studio.StartAsync();
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var reviewer = studio.Client(await studio.IssueApiKeyAsync("reviewer"));

        var listed = JsonDocument.Parse(await creator.GetStringAsync("api/voices")).RootElement.EnumerateArray().Select(v => v.GetProperty("id").GetString()).ToList();
        Assert.Contains("piper:tiny", listed);
        Assert.Contains("en-us", listed);

        var script = TestScripts.Brief() with { Scenes = [.. TestScripts.Brief().Scenes.Select((s, i) => i == 0 ? s with { Narration = "Wait for it. [pause 600ms] *Now* it speaks." } : s)] };
        var id = await TestScripts.CreateVideoAsync(creator, script, new JsonObject { ["Narration"] = new JsonObject { ["voice"] = "piper:tiny" } });
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "AwaitingReview", TimeSpan.FromSeconds(180), () => "Video did not reach review.\n" + studio.Log);

        var narration = await NarrationRunAsync(creator, id, scene: 1);
        var artifacts = narration.GetProperty("artifacts").EnumerateArray().ToList();
        var candidates = artifacts.Where(a => a.GetProperty("kind").GetString()!.StartsWith("narration-candidate-", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, candidates.Count);
        var chosen = artifacts.Single(a => a.GetProperty("kind").GetString() == "narration");
        var best = candidates.MaxBy(c => Score(c))!;
        Assert.Equal(best.GetProperty("sha256").GetString(), chosen.GetProperty("sha256").GetString());
        Assert.Equal("piper", chosen.GetProperty("mediaInfo").GetProperty("engine").GetString());
        // Piper gives no word times, and the tiny voice's sound is no speech the aligner can fit to the text:
        // the narration says its captions' times are estimated, and why.
        Assert.Equal("estimated", chosen.GetProperty("mediaInfo").GetProperty("timings").GetString());
        Assert.Equal("the sound did not fit the text closely enough to align", chosen.GetProperty("mediaInfo").GetProperty("timingsNote").GetString());

        // Every candidate at 48 kHz and the same loudness, so they compare fairly side by side and scenes match in the cut.
        foreach (var candidate in candidates)
        {
            var file = await DownloadAsync(creator, candidate, data);
            var probe = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-show_entries", "stream=sample_rate", "-of", "csv=p=0", file], TimeSpan.FromSeconds(30), CancellationToken.None);
            Assert.Equal("48000", probe.StdOut.Trim());
            Assert.InRange((await EbuR128.MeasureAsync(file)).Integrated, -19.5, -16.5);
        }

        // The written pause is in the word timings: a gap of at least 0.6 s before "Now".
        var words = chosen.GetProperty("mediaInfo").GetProperty("words").EnumerateArray().ToList();
        var now = words.FindIndex(w => w.GetProperty("word").GetString() == "Now");
        Assert.True(words[now].GetProperty("start").GetDouble() - words[now - 1].GetProperty("end").GetDouble() >= 0.6);

        // A creator may not choose; a reviewer may, and the cut is composed again with that candidate.
        var other = candidates.First(c => c.GetProperty("sha256").GetString() != best.GetProperty("sha256").GetString());
        var otherId = other.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.PostAsJsonAsync($"api/videos/{id}/scenes/1/narration/choose", new { candidateId = otherId })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await reviewer.PostAsJsonAsync($"api/videos/{id}/scenes/2/narration/choose", new { candidateId = otherId })).StatusCode);
        var response = await reviewer.PostAsJsonAsync($"api/videos/{id}/scenes/1/narration/choose", new { candidateId = otherId });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(id) == "AwaitingReview"
                && (await NarrationRunAsync(creator, id, 1)).GetProperty("status").GetString() == "Succeeded"
                && (await NarrationRunAsync(creator, id, 1)).GetProperty("id").GetInt64() != narration.GetProperty("id").GetInt64(),
            TimeSpan.FromSeconds(120), () => "The choice was not applied.\n" + studio.Log);

        var after = (await NarrationRunAsync(creator, id, 1)).GetProperty("artifacts").EnumerateArray().ToList();
        var nowChosen = after.Single(a => a.GetProperty("kind").GetString() == "narration");
        Assert.Equal(other.GetProperty("sha256").GetString(), nowChosen.GetProperty("sha256").GetString());
        Assert.StartsWith("api:test-reviewer-", nowChosen.GetProperty("mediaInfo").GetProperty("chosenBy").GetString());
        Assert.Equal(3, after.Count(a => a.GetProperty("kind").GetString()!.StartsWith("narration-candidate-", StringComparison.Ordinal)));
        // The other scenes were not touched.
        Assert.Equal((await db.RunsAsync(id)).Count(r => r.Stage == "Narration"), script.Scenes.Count + 1);
    }

    private static double Score(JsonElement artifact) => artifact.GetProperty("mediaInfo").GetProperty("score").GetProperty("total").GetDouble();

    private static async Task<JsonElement> NarrationRunAsync(HttpClient client, Guid id, int scene)
    {
        var detail = JsonDocument.Parse(await client.GetStringAsync($"api/videos/{id}")).RootElement;
        return detail.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("stage").GetString() == "Narration" && r.GetProperty("scene").ValueKind == JsonValueKind.Number && r.GetProperty("scene").GetInt32() == scene - 1);
    }

    private static async Task<string> DownloadAsync(HttpClient client, JsonElement artifact, string folder)
    {
        var file = Path.Combine(folder, artifact.GetProperty("id").GetGuid() + ".wav");
        await File.WriteAllBytesAsync(file, await client.GetByteArrayAsync(artifact.GetProperty("url").GetString()!.TrimStart('/')));
        return file;
    }
}
