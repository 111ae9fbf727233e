using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using ViralForge.Core.Media;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Media;

/// <summary>
/// Stock photos as keyframes, from loopback Pexels and Pixabay servers answering with their real photo
/// JSON: with motion clips a configured studio gives every scene a real picture (a web page posing as a
/// photo and a broken download passed over, no photo twice in a video), a reviewer can pick another
/// candidate, and the photographers are credited in the published description.
/// </summary>
public sealed class StockPhotoTests
{
    private static async Task<byte[]> PhotoAsync(string folder, string name, int width, int height, int seed)
    {
        var path = Path.Combine(folder, name);
        await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
            "-i", $"life=size={width / 10}x{height / 10}:seed={seed}:ratio=0.4,scale={width}:{height}:flags=neighbor", "-frames:v", "1", path], TimeSpan.FromMinutes(1), CancellationToken.None);
        return await File.ReadAllBytesAsync(path);
    }

    [Fact]
    public async Task Motion_clips_animate_distinct_stock_photos_a_reviewer_picks_another_and_photographers_are_credited()
    {
        var folder = TestEnvironment.NewFolder("stockphoto");
        await using var host = new LoopbackTrendHost();
        var shared = await PhotoAsync(folder, "shared.jpg", 1080, 1920, 99);
        host.Route("/photos/shared.jpg", StockFixtures.Serve(shared, "image/jpeg"));
        host.Route("/photos/broken.jpg", StockFixtures.Serve(shared, "image/jpeg", breakOff: true));
        host.Route("/photos/page.jpg", StockFixtures.Serve("<html><body>Not a photo</body></html>"u8.ToArray(), "text/html"));
        foreach (var n in Enumerable.Range(1, 8))
        {
            host.Route($"/photos/p{n}.jpg", StockFixtures.Serve(await PhotoAsync(folder, $"p{n}.jpg", 1080, 1620, n), "image/jpeg"));
            host.Route($"/photos/l{n}.jpg", StockFixtures.Serve(await PhotoAsync(folder, $"l{n}.jpg", 1280, 853, 40 + n), "image/jpeg"));
        }
        var queries = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var next = 0;
        int QueryNumber(string q) => queries.GetOrAdd(q, _ => Math.Min(8, Interlocked.Increment(ref next)));

        host.Route("/pexels/v1/search", async context =>
        {
            if (context.Request.Headers["Authorization"] != "pexels-key-123")
            {
                await LoopbackListener.WriteJsonAsync(context.Response, 401, "{\"error\":\"Unauthorized\"}");
                return;
            }
            var q = context.Request.QueryString["query"] ?? "";
            var seed = QueryNumber(q);
            object Photo(int id, string file, int w, int h) => new
            {
                id, width = w, height = h, url = $"https://www.pexels.com/photo/reef-{id}/", photographer = "Ana Lens", photographer_url = "https://www.pexels.com/@ana-lens",
                photographer_id = 7, avg_color = "#2C3E50", alt = q, liked = false,
                src = new { original = host.BaseUrl + "photos/" + file, large2x = host.BaseUrl + "photos/" + file + "?w=940", portrait = host.BaseUrl + "photos/" + file + "?h=1200" },
            };
            context.Response.Headers["X-Ratelimit-Limit"] = "200";
            context.Response.Headers["X-Ratelimit-Remaining"] = "150";
            await LoopbackListener.WriteJsonAsync(context.Response, 200, JsonSerializer.Serialize(new
            {
                page = 1, per_page = 20, total_results = 4, next_page = (string?)null,
                photos = new[] { Photo(5000 + seed, "page.jpg", 1080, 1920), Photo(6000 + seed, "broken.jpg", 1080, 1920), Photo(100, "shared.jpg", 1080, 1920), Photo(7000 + seed, $"p{seed}.jpg", 1080, 1620) },
            }));
        });
        host.Route("/pixabay/api/", async context =>
        {
            if (context.Request.QueryString["key"] != "pixabay-key-456")
            {
                await LoopbackListener.WriteJsonAsync(context.Response, 400, "[ERROR 400] \"key\" is missing or invalid.");
                return;
            }
            var seed = QueryNumber(context.Request.QueryString["q"] ?? "");
            await LoopbackListener.WriteJsonAsync(context.Response, 200, JsonSerializer.Serialize(new
            {
                total = 1, totalHits = 1,
                hits = new[]
                {
                    new
                    {
                        id = 8000 + seed, pageURL = $"https://pixabay.com/photos/reef-{8000 + seed}/", type = "photo", tags = "reef, sea",
                        previewURL = host.BaseUrl + $"photos/l{seed}.jpg", webformatURL = host.BaseUrl + $"photos/l{seed}.jpg", largeImageURL = host.BaseUrl + $"photos/l{seed}.jpg",
                        imageWidth = 1280, imageHeight = 853, imageSize = 120000, views = 10, downloads = 1, likes = 0, comments = 0, user_id = 42, user = "Ben Shutter", userImageURL = "",
                    },
                },
            }));
        });

        var cs = await TestEnvironment.CreateDatabaseAsync("stockphoto");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("stockphoto-studio"), new()
        {
            ["Stock__Pexels__ApiKey"] = "pexels-key-123",
            ["Stock__Pexels__BaseUrl"] = host.BaseUrl + "pexels/",
            ["Stock__Pixabay__ApiKey"] = "pixabay-key-456",
            ["Stock__Pixabay__BaseUrl"] = host.BaseUrl + "pixabay/api/",
            ["Stock__Candidates"] = "2",
        });
        await studio.StartAsync();
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        string[] visuals = ["A diver above a reef", "Sunlight through kelp forest", "Coral polyps feeding at night", "Octopus changing colour on rocks"];
        var script = TestScripts.Brief(title: "Reef pictures") with
        {
            // The first scene's script carries its own search phrase (as the script model writes them).
            Scenes = TestScripts.Brief().Scenes.Select((s, i) => s with { Visual = visuals[i], SearchTerms = i == 0 ? ["scuba diver reef"] : null }).ToList(),
        };
        // Motion clips animate the keyframe, so with a provider configured the keyframes are stock photos by default.
        var videoId = await TestScripts.CreateVideoAsync(creator, script, new JsonObject { ["Clips"] = new JsonObject { ["engine"] = "motion" } });
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240),
            () => string.Join("\n", db.RunsAsync(videoId).Result.Select(r => $"{r.Stage} {r.Scene} {r.Status} {r.Error}")) + "\n" + studio.Log);

        Assert.Contains(host.Requests, r => r.PathAndQuery.Contains("query=scuba%20diver%20reef", StringComparison.Ordinal));
        var keyframes = await StockFixtures.MediaInfosAsync(cs, videoId, "keyframe", liveOnly: true);
        Assert.Contains(keyframes, k => (string?)k["terms"] == "scuba diver reef");
        Assert.Equal(4, keyframes.Count);
        Assert.All(keyframes, k => Assert.Equal("stock-photo", (string?)k["source"]));
        Assert.Equal(4, keyframes.Select(k => (string?)k["stock"]).Distinct().Count());
        Assert.Single(keyframes, k => (string?)k["stock"] == "pexels:photo:100");
        // Neither the web page posing as a photo nor the broken download became a keyframe.
        Assert.DoesNotContain(keyframes, k => ((string?)k["stock"])!.StartsWith("pexels:photo:5", StringComparison.Ordinal) || ((string?)k["stock"])!.StartsWith("pexels:photo:6", StringComparison.Ordinal));
        var clips = await StockFixtures.MediaInfosAsync(cs, videoId, "clip", liveOnly: true);
        Assert.All(clips, c => Assert.Equal("cpu-motion", (string?)c["engine"]));
        Assert.Contains((await db.ArtifactsAsync(videoId)), a => a.Kind == "keyframe-candidate-2");
        Assert.DoesNotContain("pixabay-key-456", studio.Log);
        Assert.DoesNotContain("pexels-key-123", studio.Log);

        // A reviewer picks scene 1's other photo: that keyframe, its clip and the cut are made again, nothing else.
        var reviewer = studio.Client(await studio.IssueApiKeyAsync("reviewer"));
        var before = await db.RunsAsync(videoId);
        var firstKeyframes = before.Single(r => r.Stage == "Keyframes" && r.Scene == 0 && r.Live).Artifacts;
        var other = (await db.ArtifactsAsync(videoId)).Single(a => firstKeyframes.Contains(a.Id) && a.Kind == "keyframe-candidate-2");
        var choose = await reviewer.PostAsJsonAsync($"api/videos/{videoId}/scenes/1/keyframes/choose", new { candidateId = other.Id });
        Assert.True(choose.IsSuccessStatusCode, await choose.Content.ReadAsStringAsync());
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview"
                && (await db.RunsAsync(videoId)).Count(r => r.Stage == "Compose") == 2,
            TimeSpan.FromSeconds(120), () => studio.Log);
        var after = await db.RunsAsync(videoId);
        Assert.Equal(2, after.Count(r => r.Stage == "Keyframes" && r.Scene == 0));
        Assert.Equal(2, after.Count(r => r.Stage == "Clips" && r.Scene == 0));
        Assert.Equal(1, after.Count(r => r.Stage == "Keyframes" && r.Scene == 1));
        var picked = (await db.ArtifactsAsync(videoId)).Single(a => after.Single(r => r.Stage == "Keyframes" && r.Scene == 0 && r.Live).Artifacts.Contains(a.Id) && a.Kind == "keyframe");
        Assert.Equal(other.Sha256, picked.Sha256);

        // Published: the description credits the photographers.
        (await reviewer.PostAsJsonAsync($"api/videos/{videoId}/approve", new { slot = "now" })).EnsureSuccessStatusCode();
        string? sidecar = null;
        await Eventually.WaitAsync(() =>
        {
            sidecar = Directory.Exists(studio.OutboxPath) ? Directory.GetFiles(studio.OutboxPath, "*.json", SearchOption.AllDirectories).FirstOrDefault() : null;
            return Task.FromResult(sidecar is not null);
        }, TimeSpan.FromSeconds(90), () => string.Join("\n", db.RunsAsync(videoId).Result.Where(r => r.Scene is null).Select(r => $"{r.Stage} {r.Status} {r.Error}")));
        var description = JsonNode.Parse(await File.ReadAllTextAsync(sidecar!))!.ToJsonString();
        Assert.Contains("Photo by Ana Lens on Pexels", description);
    }
}
