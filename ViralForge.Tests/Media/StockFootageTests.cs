using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using ViralForge.Core.Media;
using ViralForge.Core.Script;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Media;

/// <summary>
/// Stock footage per scene from loopback Pexels and Pixabay servers answering with their real JSON:
/// portrait files preferred, too-short, oversized and broken files passed over, no clip twice in a video,
/// searches answered from the 24-hour cache, credits in the published description.
/// </summary>
public sealed class StockFootageTests
{
    /// <summary>Footage that looks like nothing else here (the near-duplicate gate would hold a video whose scenes repeat).</summary>
    private static async Task<byte[]> RenderAsync(string folder, string name, int width, int height, double seconds, int seed = 0)
    {
        var path = Path.Combine(folder, name);
        var source = seed == 0 ? $"testsrc2=size={width}x{height}:rate=25" : $"life=size={width / 8}x{height / 8}:seed={seed}:ratio=0.3:rate=25,scale={width}:{height}:flags=neighbor";
        await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source,
            "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path], TimeSpan.FromMinutes(2), CancellationToken.None);
        return await System.IO.File.ReadAllBytesAsync(path);
    }

    [Fact]
    public async Task Scenes_get_distinct_portrait_friendly_footage_credited_in_the_description()
    {
        var folder = TestEnvironment.NewFolder("stockmedia");
        await using var host = new LoopbackTrendHost();
        var portrait = await RenderAsync(folder, "portrait.mp4", 720, 1280, 5, seed: 99);
        var landscape = await RenderAsync(folder, "landscape.mp4", 1280, 720, 5, seed: 98);
        var shortClip = await RenderAsync(folder, "short.mp4", 720, 1280, 1);
        host.Route("/files/portrait.mp4", StockFixtures.Serve(portrait, "video/mp4"));
        foreach (var n in Enumerable.Range(1, 8))
        {
            host.Route($"/files/p{n}.mp4", StockFixtures.Serve(await RenderAsync(folder, $"p{n}.mp4", 720, 1280, 5, seed: n), "video/mp4"));
            host.Route($"/files/l{n}.mp4", StockFixtures.Serve(await RenderAsync(folder, $"l{n}.mp4", 1280, 720, 5, seed: 50 + n), "video/mp4"));
        }
        host.Route("/files/short.mp4", StockFixtures.Serve(shortClip, "video/mp4"));
        // Each search gets footage of its own (1–8), so no two scenes can show the same picture by accident.
        var queries = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var next = 0;
        int QueryNumber(string q) => queries.GetOrAdd(q, _ => Math.Min(8, Interlocked.Increment(ref next)));
        host.Route("/files/broken.mp4", StockFixtures.Serve(portrait, "video/mp4", breakOff: true));

        // Pexels: per query, a file that lies about its length, a broken download, then real portrait footage.
        host.Route("/pexels/videos/search", async context =>
        {
            if (context.Request.Headers["Authorization"] != "pexels-key-123")
            {
                await LoopbackListener.WriteJsonAsync(context.Response, 401, "{\"error\":\"Unauthorized\"}");
                return;
            }
            var q = context.Request.QueryString["q"] ?? context.Request.QueryString["query"] ?? "";
            var seed = QueryNumber(q);
            object Video(int id, string file, int w, int h, int seconds) => new
            {
                id, width = w, height = h, duration = seconds, url = $"https://www.pexels.com/video/clip-{id}/", image = "https://images.pexels.com/x.jpeg",
                user = new { id = 7, name = "Ana Stock", url = "https://www.pexels.com/@ana" },
                video_files = new object[]
                {
                    new { id = id * 10, quality = "sd", file_type = "video/mp4", width = w / 2, height = h / 2, fps = 25.0, link = host.BaseUrl + "files/" + file },
                    new { id = id * 10 + 1, quality = "hd", file_type = "video/mp4", width = w, height = h, fps = 25.0, link = host.BaseUrl + "files/" + file },
                },
            };
            context.Response.Headers["X-Ratelimit-Limit"] = "200";
            context.Response.Headers["X-Ratelimit-Remaining"] = "150";
            context.Response.Headers["X-Ratelimit-Reset"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            await LoopbackListener.WriteJsonAsync(context.Response, 200, JsonSerializer.Serialize(new
            {
                page = 1, per_page = 20, total_results = 4, url = "https://www.pexels.com/search/videos/" + Uri.EscapeDataString(q),
                videos = new[]
                {
                    Video(5000 + seed, "short.mp4", 720, 1280, 10),
                    Video(6000 + seed, "broken.mp4", 720, 1280, 10),
                    Video(100, "portrait.mp4", 720, 1280, 5),
                    Video(7000 + seed, $"p{seed}.mp4", 720, 1280, 5),
                },
            }));
        });
        // Pixabay: landscape footage only (fitted over a blurred copy), and one far too large.
        host.Route("/pixabay/api/videos/", async context =>
        {
            if (context.Request.QueryString["key"] != "pixabay-key-456")
            {
                await LoopbackListener.WriteJsonAsync(context.Response, 400, "[ERROR 400] \"key\" is missing or invalid.");
                return;
            }
            var q = context.Request.QueryString["q"] ?? "";
            var seed = QueryNumber(q);
            object Hit(int id, string file, long size) => new
            {
                id, pageURL = $"https://pixabay.com/videos/clip-{id}/", type = "film", tags = q, duration = 5,
                videos = new
                {
                    large = new { url = host.BaseUrl + "files/" + file, width = 1280, height = 720, size, thumbnail = "https://cdn.pixabay.com/x.jpg" },
                    small = new { url = host.BaseUrl + "files/" + file, width = 640, height = 360, size = size / 4, thumbnail = "https://cdn.pixabay.com/x.jpg" },
                },
                views = 100, downloads = 10, likes = 1, comments = 0, user_id = 42, user = "Ben Frames", userImageURL = "",
            };
            await LoopbackListener.WriteJsonAsync(context.Response, 200, JsonSerializer.Serialize(new
            {
                total = 2, totalHits = 2,
                hits = new[] { Hit(9000 + seed, "l1.mp4", 900_000_000), Hit(8000 + seed, $"l{seed}.mp4", landscape.Length) },
            }));
        });

        var cs = await TestEnvironment.CreateDatabaseAsync("stockvideo");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("stockvideo"), new()
        {
            ["Stock__Pexels__ApiKey"] = "pexels-key-123",
            ["Stock__Pexels__BaseUrl"] = host.BaseUrl + "pexels/",
            ["Stock__Pixabay__ApiKey"] = "pixabay-key-456",
            ["Stock__Pixabay__BaseUrl"] = host.BaseUrl + "pixabay/api/",
            ["Stock__Candidates"] = "2",
            ["Stock__MaxDownloadBytes"] = "50000000",
        });
        await studio.StartAsync();
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        string[] visuals = ["An octopus gliding over a reef", "Sunlight through kelp forest", "Coral polyps feeding at night", "Octopus changing colour on rocks"];
        var script = TestScripts.Brief(title: "Reef life") with
        {
            Scenes = TestScripts.Brief().Scenes.Select((s, i) => s with { Visual = visuals[i] }).ToList(),
        };
        var videoId = await TestScripts.CreateVideoAsync(creator, script);
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240),
            () => string.Join("\n", db.RunsAsync(videoId).Result.Select(r => $"{r.Stage} {r.Scene} {r.Status} {r.Error}")));

        // Every scene's clip is stock, none shown twice; the shared portrait video went to one scene only.
        var artifacts = await db.ArtifactsAsync(videoId);
        var clips = new List<JsonNode>();
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT media_info_json FROM artifacts WHERE video_id = $1 AND kind = 'clip'", conn);
            cmd.Parameters.AddWithValue(videoId);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                clips.Add(JsonNode.Parse(reader.GetString(0))!);
            }
        }
        Assert.Equal(4, clips.Count);
        Assert.All(clips, c => Assert.Equal("stock", (string?)c["engine"]));
        Assert.Equal(4, clips.Select(c => (string?)c["stock"]).Distinct().Count());
        Assert.Single(clips, c => (string?)c["stock"] == "pexels:100");
        Assert.Contains(clips, c => ((string?)c["credit"])!.StartsWith("Video by Ana Stock on Pexels: https://www.pexels.com/video/", StringComparison.Ordinal));
        // Neither the lying short file, the broken download nor the 900 MB file became a clip.
        Assert.DoesNotContain(clips, c => ((string?)c["stock"])!.StartsWith("pexels:5", StringComparison.Ordinal) || ((string?)c["stock"])!.StartsWith("pexels:6", StringComparison.Ordinal)
            || ((string?)c["stock"])!.StartsWith("pixabay:9", StringComparison.Ordinal));
        Assert.Contains(artifacts, a => a.Kind == "clip-candidate-2");
        Assert.DoesNotContain("pixabay-key-456", studio.Log);
        Assert.DoesNotContain("pexels-key-123", studio.Log);

        // A second video with the same scenes searches nothing again within 24 hours.
        var searches = host.Requests.Count(r => r.PathAndQuery.Contains("/search", StringComparison.Ordinal) || r.PathAndQuery.StartsWith("/pixabay/", StringComparison.Ordinal));
        var again = await TestScripts.CreateVideoAsync(creator, script with { Title = "Reef life again" });
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(again) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        Assert.Equal(searches, host.Requests.Count(r => r.PathAndQuery.Contains("/search", StringComparison.Ordinal) || r.PathAndQuery.StartsWith("/pixabay/", StringComparison.Ordinal)));
        // ...and does not show what the first one showed, while that footage stays a candidate a reviewer may pick.
        var shown = clips.Select(c => (string?)c["stock"]).ToHashSet();
        var againClips = await StockFixtures.MediaInfosAsync(cs, again, "clip");
        Assert.Equal(4, againClips.Count);
        Assert.DoesNotContain(againClips, c => shown.Contains((string?)c["stock"]));
        Assert.Contains(await StockFixtures.MediaInfosAsync(cs, again, "clip-candidate-2"), c => (bool?)c["usedRecently"] == true);
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM fetched_bodies WHERE url LIKE '%key=%'", conn);
            Assert.Equal(0L, await cmd.ExecuteScalarAsync());
        }

        // Published to the outbox: the description credits the footage.
        var reviewer = studio.Client(await studio.IssueApiKeyAsync("reviewer"));
        (await reviewer.PostAsJsonAsync($"api/videos/{videoId}/approve", new { slot = "now" })).EnsureSuccessStatusCode();
        string? sidecar = null;
        await Eventually.WaitAsync(() =>
        {
            sidecar = Directory.Exists(studio.OutboxPath) ? Directory.GetFiles(studio.OutboxPath, "*.json", SearchOption.AllDirectories).FirstOrDefault() : null;
            return Task.FromResult(sidecar is not null);
        }, TimeSpan.FromSeconds(90), () => string.Join("\n", db.RunsAsync(videoId).Result.Where(r => r.Scene is null).Select(r => $"{r.Stage} {r.Status} {r.Error}")));
        var description = JsonNode.Parse(await System.IO.File.ReadAllTextAsync(sidecar!))!.ToJsonString();
        Assert.Contains("Video by Ana Stock on Pexels", description);
    }
}
