using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Pipeline;

[Trait("Category", "Process")]
public sealed class StudioApiTests(StudioFixture fixture) : IClassFixture<StudioFixture>
{
    private HttpClient As(string? role) => fixture.Studio.Client(role is null ? null : fixture.Keys[role]);

    [Fact]
    public async Task Every_endpoint_checks_the_callers_role()
    {
        var id = fixture.VideoId;
        Assert.Equal(HttpStatusCode.Unauthorized, (await As(null).GetAsync("api/videos")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Studio.Client("vf_not-a-real-key").GetAsync("api/videos")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await As(null).GetAsync("health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await As(null).GetAsync($"media/{Guid.NewGuid()}")).StatusCode);
        // A creator may not approve; a reviewer may not create or retry.
        Assert.Equal(HttpStatusCode.Forbidden, (await As("creator").PostAsJsonAsync($"api/videos/{id}/approve", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await As("reviewer").PostAsJsonAsync("api/videos", new { script = TestScripts.Brief() }, TestScripts.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await As("reviewer").PostAsJsonAsync($"api/videos/{id}/stages/Clips/retry", new { scene = 1 })).StatusCode);
        // The job dashboard is for admins only; a creator's key does not open it.
        Assert.Equal(HttpStatusCode.Forbidden, (await As("creator").GetAsync("hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As("admin").GetAsync("hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As("reviewer").GetAsync("api/videos")).StatusCode);
    }

    [Fact]
    public async Task An_invalid_script_is_refused_with_every_reason()
    {
        var bad = TestScripts.Brief() with { Title = "", Scenes = [.. TestScripts.Brief().Scenes.Take(2)] };
        var response = await As("creator").PostAsJsonAsync("api/videos", new { script = bad }, TestScripts.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Title is required", body);
        Assert.Contains("4 to 10 scenes", body);
    }

    [Fact]
    public async Task Without_a_script_model_a_brief_is_refused_plainly_and_nothing_is_invented()
    {
        var model = JsonDocument.Parse(await As("creator").GetStringAsync("api/script-model")).RootElement;
        Assert.False(model.GetProperty("available").GetBoolean());
        Assert.Contains("No script model is configured", model.GetProperty("problem").GetString());

        var before = (await As("creator").GetFromJsonAsync<JsonElement>("api/videos")).GetArrayLength();
        var response = await As("creator").PostAsJsonAsync("api/videos", new { generate = new { topic = "octopus facts", seconds = 20 } });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("Write the script by hand instead", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, (await As("creator").GetFromJsonAsync<JsonElement>("api/videos")).GetArrayLength());
    }

    [Fact]
    public async Task Health_reports_each_dependency()
    {
        var health = JsonDocument.Parse(await As("reviewer").GetStringAsync("health")).RootElement;
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        var checks = health.GetProperty("checks");
        foreach (var name in new[] { "database", "ffmpeg", "espeak-ng", "artifact-store", "gpu", "encoder" })
        {
            Assert.Equal("Healthy", checks.GetProperty(name).GetProperty("status").GetString());
        }
        Assert.StartsWith("ffmpeg version", checks.GetProperty("ffmpeg").GetProperty("description").GetString());
        Assert.Equal("cpu", checks.GetProperty("gpu").GetProperty("data").GetProperty("provider").GetString());
        Assert.Equal("unavailable", checks.GetProperty("gpu").GetProperty("data").GetProperty("videoDiffusion").GetString());
        Assert.Equal("libx264", checks.GetProperty("encoder").GetProperty("data").GetProperty("encoder").GetString());
    }

    [Fact]
    public async Task The_final_cut_meets_the_delivery_spec_and_is_served_with_range_requests()
    {
        var detail = JsonDocument.Parse(await As("reviewer").GetStringAsync($"api/videos/{fixture.VideoId}")).RootElement;
        var compose = detail.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("stage").GetString() == "Compose");
        var final = compose.GetProperty("artifacts").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == "final");
        var info = final.GetProperty("mediaInfo");
        Assert.Equal(1080, info.GetProperty("width").GetInt32());
        Assert.Equal(1920, info.GetProperty("height").GetInt32());
        Assert.Equal(30, info.GetProperty("fps").GetDouble(), 2);
        Assert.Equal("h264", info.GetProperty("videoCodec").GetString());
        Assert.Equal("yuv420p", info.GetProperty("pixelFormat").GetString());
        Assert.Equal("aac", info.GetProperty("audioCodec").GetString());
        Assert.Equal(48000, info.GetProperty("sampleRate").GetInt32());

        var url = final.GetProperty("url").GetString()!.TrimStart('/');
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(100, 1099);
        var response = await As("reviewer").SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(1000, (await response.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal(100, response.Content.Headers.ContentRange!.From);
        Assert.Equal("video/mp4", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Regenerating_one_scene_reruns_only_that_scene_and_what_depends_on_it()
    {
        // Its own video, so the shared one stays as the other tests expect it.
        var id = await TestScripts.CreateVideoAsync(As("creator"), TestScripts.Brief(title: "Regenerate me"));
        await Eventually.WaitAsync(async () => await fixture.Db.VideoStatusAsync(id) == "AwaitingReview",
            TimeSpan.FromSeconds(120), () => "Video did not reach review.\n" + fixture.Studio.Log);
        var before = (await fixture.Db.RunsAsync(id)).Where(r => r.Live).ToList();
        var response = await As("creator").PostAsJsonAsync($"api/videos/{id}/stages/Clips/retry", new { scene = 2, parameters = new { motion = "zoom-out" } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.WaitAsync(async () => (await fixture.Db.RunsAsync(id)).Any(r => r.Live && r.Stage == "Review" && r.Status == "Waiting" && !before.Any(b => b.Id == r.Id)),
            TimeSpan.FromSeconds(120), () => "Review did not come back.\n" + fixture.Studio.Log);

        var after = (await fixture.Db.RunsAsync(id)).Where(r => r.Live).ToList();
        var changed = after.Where(r => !before.Any(b => b.Id == r.Id)).Select(r => (r.Stage, r.Scene)).OrderBy(x => x.Stage).ToList();
        Assert.Equal([("Clips", (int?)1), ("Compose", null), ("Review", null)], changed);
        var parameters = JsonDocument.Parse(await As("creator").GetStringAsync($"api/videos/{id}")).RootElement
            .GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("stage").GetString() == "Clips" && r.GetProperty("scene").GetInt32() == 1)
            .GetProperty("parameters");
        Assert.Equal("zoom-out", parameters.GetProperty("motion").GetString());
    }

    [Fact]
    public async Task Stage_retry_refuses_what_cannot_work()
    {
        var id = fixture.VideoId;
        var review = await As("creator").PostAsJsonAsync($"api/videos/{id}/stages/Review/retry", new { });
        Assert.Equal(HttpStatusCode.Conflict, review.StatusCode);
        var scene = await As("creator").PostAsJsonAsync($"api/videos/{id}/stages/Clips/retry", new { scene = 99 });
        Assert.Equal(HttpStatusCode.Conflict, scene.StatusCode);
        Assert.Contains("does not exist", await scene.Content.ReadAsStringAsync());
        var unknown = await As("creator").PostAsJsonAsync($"api/videos/{id}/stages/Dance/retry", new { });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await As("creator").GetAsync($"api/videos/{Guid.NewGuid()}")).StatusCode);
        // A candidate is chosen only through the reviewer's choose action, never smuggled through a creator's retry.
        var pick = await As("creator").PostAsJsonAsync($"api/videos/{id}/stages/Clips/retry", new { scene = 1, parameters = new { pick = Guid.NewGuid() } });
        Assert.Equal(HttpStatusCode.Conflict, pick.StatusCode);
        Assert.Contains("choose action", await pick.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_or_out_of_range_parameters_are_a_400_that_lists_what_is_accepted()
    {
        var id = fixture.VideoId;
        var typo = await As("creator").PostAsJsonAsync($"api/videos/{id}/stages/Clips/retry", new { scene = 1, parameters = new { motoin = "pan-left" } });
        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
        var body = await typo.Content.ReadAsStringAsync();
        Assert.Contains("Clips has no parameter 'motoin'", body);
        Assert.Contains("motion", body.Replace("motoin", "", StringComparison.Ordinal));

        var range = await As("creator").PostAsJsonAsync($"api/videos/{id}/stages/Narration/retry", new { scene = 1, parameters = new { rate = 9999 } });
        Assert.Equal(HttpStatusCode.BadRequest, range.StatusCode);
        Assert.Contains("'rate' is 9999; it must be between 80 and 450", await range.Content.ReadAsStringAsync());
        var choice = await As("creator").PostAsJsonAsync($"api/videos/{id}/stages/Clips/retry", new { scene = 1, parameters = new { motion = "barrel-roll" } });
        Assert.Equal(HttpStatusCode.BadRequest, choice.StatusCode);
        Assert.Contains("'motion' must be one of zoom-in, zoom-out, pan-left, pan-right", await choice.Content.ReadAsStringAsync());

        var before = (await As("creator").GetFromJsonAsync<JsonElement>("api/videos")).GetArrayLength();
        var create = await As("creator").PostAsJsonAsync("api/videos",
            new { script = TestScripts.Brief(), parameters = new { Compose = new { captionStyle = "comic-sans" }, Dance = new { } } }, TestScripts.Json);
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        var detail = (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains("'dance' is not a stage", detail, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("'captionStyle' must be one of", detail);
        Assert.Equal(before, (await As("creator").GetFromJsonAsync<JsonElement>("api/videos")).GetArrayLength());

        // The same declarations drive clients: each stage's parameters with type, range, choices and default.
        var catalog = await As("reviewer").GetFromJsonAsync<JsonElement>("api/stages/parameters");
        var steps = catalog.GetProperty("Clips").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "steps");
        Assert.Equal("WholeNumber", steps.GetProperty("type").GetString());
        Assert.Equal(2, steps.GetProperty("min").GetDouble());
        Assert.Equal(150, steps.GetProperty("max").GetDouble());
        Assert.Empty(catalog.GetProperty("Review").EnumerateArray());
    }

    [Fact]
    public async Task With_four_eyes_on_nobody_approves_a_video_they_started()
    {
        var id = await TestScripts.CreateVideoAsync(As("admin"), TestScripts.Brief(title: "Four eyes"));
        await Eventually.WaitAsync(async () => await fixture.Db.VideoStatusAsync(id) == "AwaitingReview",
            TimeSpan.FromSeconds(120), () => "Video did not reach review.\n" + fixture.Studio.Log);
        var own = await As("admin").PostAsJsonAsync($"api/videos/{id}/approve", new { });
        Assert.Equal(HttpStatusCode.Conflict, own.StatusCode);
        Assert.Contains("Four-eyes rule", await own.Content.ReadAsStringAsync());
        Assert.Equal("AwaitingReview", await fixture.Db.VideoStatusAsync(id));
        var other = await As("reviewer").PostAsJsonAsync($"api/videos/{id}/approve", new { });
        Assert.True(other.IsSuccessStatusCode, await other.Content.ReadAsStringAsync());
    }
}
