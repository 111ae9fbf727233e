using System.Diagnostics;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Bench;

/// <summary>
/// What distributing the work costs: demo videos per minute from two worker processes pinned to one
/// core each, over one worker process on both cores, each set behind a web-only studio on its own
/// database with artifacts in the loopback S3 store (as across machines).
/// </summary>
internal static class ScaleBench
{
    private const int Videos = 8;

    public static async Task RunAsync(string admin, string scratch)
    {
        var cores = Environment.ProcessorCount;
        if (cores < 2)
        {
            Console.WriteLine("scale: this machine has one core; two pinned workers cannot be compared with one on both.");
            return;
        }
        var one = await VideosPerMinuteAsync(admin, scratch, [$"0,1"]);
        var two = await VideosPerMinuteAsync(admin, scratch, ["0", "1"]);
        Console.WriteLine(FormattableString.Invariant($"{Videos} videos: two workers on one core each {two:0.00}/min, one worker on both cores {one:0.00}/min"));
        BenchSupport.Bench("scale_two_workers", two / one, "x", ">=0.9");
    }

    private static async Task<double> VideosPerMinuteAsync(string admin, string scratch, string[] pins)
    {
        var cs = await BenchSupport.CreateDatabaseAsync(admin, "scale");
        var folder = Path.Combine(scratch, "bench-scale-" + Guid.NewGuid().ToString("N")[..8]);
        await using var s3 = await LoopbackS3.StartAsync(Path.Combine(folder, "s3"));
        await using var studio = new StudioProcess(cs, Path.Combine(folder, "studio"), new(s3.Settings()) { ["Workers__Enabled"] = "false" });
        await studio.StartAsync();
        var workers = pins.Select((cpus, i) => new StudioProcess(cs, Path.Combine(folder, $"worker{i}"), new(s3.Settings()) { ["Node__Role"] = "worker" })
        {
            Launcher = ["taskset", "-c", cpus],
        }).ToList();
        try
        {
            await Task.WhenAll(workers.Select(w => w.StartAsync()));
            using var client = studio.Client(await studio.IssueApiKeyAsync("creator"));
            var sw = Stopwatch.StartNew();
            var ids = new List<Guid>();
            for (var i = 0; i < Videos; i++)
            {
                ids.Add(await BenchSupport.CreateVideoAsync(client, BenchSupport.Script(4, 3, $"Scale {i}")));
            }
            foreach (var id in ids)
            {
                await BenchSupport.WaitForStatusAsync(cs, id, "AwaitingReview", TimeSpan.FromMinutes(10), workers[0]);
            }
            return Videos / sw.Elapsed.TotalMinutes;
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }
}
