using System.Globalization;
using System.Net;
using System.Text.Json;
using ViralForge.Core.Media;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Bench;

/// <summary>
/// A 6-scene video whose clips are stock footage from a loopback Pexels (its real search JSON, each
/// scene's query answered with footage of its own), brief to review with the studio's default
/// settings: search, download, check and normalise every candidate, narrate, compose.
/// </summary>
internal static class StockBench
{
    public static async Task RunAsync(string admin, string scratch)
    {
        var folder = Directory.CreateDirectory(Path.Combine(scratch, "bench-stock-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        await using var host = new LoopbackTrendHost();
        for (var n = 1; n <= 18; n++)
        {
            var path = Path.Combine(folder, $"f{n}.mp4");
            await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                "-i", $"life=size=90x160:seed={n}:ratio=0.3:rate=25,scale=720:1280:flags=neighbor", "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path],
                TimeSpan.FromMinutes(2), CancellationToken.None);
            var bytes = await File.ReadAllBytesAsync(path);
            host.Route($"/files/f{n}.mp4", async context =>
            {
                context.Response.StatusCode = 200;
                context.Response.ContentType = "video/mp4";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            });
        }
        var queries = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        host.Route("/pexels/videos/search", async context =>
        {
            var first = queries.GetOrAdd(context.Request.QueryString["query"] ?? "", _ => queries.Count * 3 % 18);
            var videos = Enumerable.Range(0, 3).Select(i => first + i + 1).Select(n => new
            {
                id = n, width = 720, height = 1280, duration = 5, url = $"https://www.pexels.com/video/bench-{n}/",
                user = new { id = 1, name = "Bench Author", url = "https://www.pexels.com/@bench" },
                video_files = new[] { new { id = n * 10, quality = "hd", file_type = "video/mp4", width = 720, height = 1280, fps = 25.0, link = $"{host.BaseUrl}files/f{n}.mp4" } },
            });
            await LoopbackListener.WriteJsonAsync(context.Response, 200, JsonSerializer.Serialize(new { page = 1, per_page = 20, total_results = 3, videos }));
        });

        var cs = await BenchSupport.CreateDatabaseAsync(admin, "stock");
        await using var studio = new StudioProcess(cs, Path.Combine(folder, "studio"), new()
        {
            // The studio's own defaults, not the test harness's quick heartbeats and dispatches.
            ["Media__X264Preset"] = "veryfast",
            ["Pipeline__HeartbeatSeconds"] = "3",
            ["Pipeline__LostAfterSeconds"] = "15",
            ["Pipeline__DispatchEverySeconds"] = "5",
            ["Stock__Pexels__ApiKey"] = "bench-key",
            ["Stock__Pexels__BaseUrl"] = host.BaseUrl + "pexels/",
        });
        await studio.StartAsync();
        using var client = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var script = new
        {
            title = "Stock benchmark",
            hook = "Six scenes of stock footage.",
            scenes = new[] { "harbour", "forest", "desert", "glacier", "meadow", "canyon" }.Select((place, i) => new
            {
                narration = $"Scene number {i + 1} of the stock benchmark.", visual = $"A wide view of a {place}", durationSeconds = 3,
                searchTerms = new[] { $"{place} aerial" },
            }),
            captionText = "Benchmark",
            hashtags = new[] { "bench" },
            callToAction = "Follow.",
        };
        var videoId = await BenchSupport.CreateVideoAsync(client, script);
        try
        {
            await BenchSupport.WaitForStatusAsync(cs, videoId, "AwaitingReview", TimeSpan.FromMinutes(4), studio);
        }
        catch (TimeoutException)
        {
            Console.WriteLine(await BenchSupport.ScalarAsync(cs,
                "SELECT string_agg(stage || ' ' || coalesce(scene_index::text, '-') || ' ' || status || ' ' || coalesce(error, ''), E'\n') FROM stage_runs WHERE video_id = $1", videoId));
            throw;
        }
        var engines = await BenchSupport.ScalarAsync(cs,
            "SELECT string_agg(DISTINCT media_info_json->>'engine', ',') FROM artifacts WHERE video_id = $1 AND kind = 'clip'", videoId);
        if (engines != "stock")
        {
            throw new InvalidOperationException($"The benchmark video's clips were not stock footage ({engines}).");
        }
        var wall = double.Parse(await BenchSupport.ScalarAsync(cs,
            "SELECT EXTRACT(EPOCH FROM r.started_at - v.created_at)::float8 FROM stage_runs r JOIN videos v ON v.id = r.video_id WHERE r.video_id = $1 AND r.stage = 'Review'", videoId),
            CultureInfo.InvariantCulture);
        // Where the time went: each run's queue wait and work, from the video's creation.
        Console.WriteLine(await BenchSupport.ScalarAsync(cs,
            "SELECT string_agg(format('  %s %s: queued %ss, started %ss, finished %ss', r.stage, coalesce(r.scene_index::text, '-'), " +
            "round(EXTRACT(EPOCH FROM r.queued_at - v.created_at)::numeric, 1), round(EXTRACT(EPOCH FROM r.started_at - v.created_at)::numeric, 1), " +
            "round(EXTRACT(EPOCH FROM r.finished_at - v.created_at)::numeric, 1)), E'\n' ORDER BY r.started_at) " +
            "FROM stage_runs r JOIN videos v ON v.id = r.video_id WHERE r.video_id = $1", videoId));
        Console.WriteLine(FormattableString.Invariant($"stock video (6 scenes, 3 candidates each from a loopback Pexels): brief to review {wall:0.0} s"));
        BenchSupport.Bench("stock_scene_seconds", wall, "s", "<=45");
    }
}
