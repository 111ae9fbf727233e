using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ViralForge.Core.Data;
using ViralForge.Core.Extensions;
using ViralForge.Core.Media;
using ViralForge.Core.Publishing.Duplicates;
using ViralForge.Gpu.Worker;

namespace ViralForge.Bench;

/// <summary>
/// The near-duplicate gate for one new 45-second 1080x1920 cut (5 Mbit/s, like the studio's) against 1,000 published videos whose
/// fingerprints are in PostgreSQL: the check (load and compare) measured apart from fingerprinting the
/// new cut, which costs the same whatever the catalogue's size.
/// </summary>
internal static class DuplicateBench
{
    private const int Published = 1000;
    private const int Rounds = 5;

    public static async Task RunAsync(string admin, string scratch)
    {
        var cs = await BenchSupport.CreateDatabaseAsync(admin, "dups");
        var work = Path.Combine(scratch, "bench-dups-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Workers:Enabled"] = "false",
            ["Publishing:Duplicates:ReferenceFolder"] = Path.Combine(work, "no-reference"),
            ["Storage:ArtifactsPath"] = Path.Combine(work, "artifacts"),
            ["Storage:WorkPath"] = Path.Combine(work, "work"),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddViralForgeCore(configuration, cs);
        // The GPU services bind their options from the host's configuration, as in the studio.
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration);
        services.AddViralForgeGpu();
        await using var provider = services.BuildServiceProvider();
        var dbFactory = provider.GetRequiredService<IDbContextFactory<ViralForgeDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            await db.Database.MigrateAsync();
        }

        var cut = Path.Combine(work, "new.mp4");
        var render = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "mandelbrot=size=540x960:rate=30",
            "-t", "45", "-vf", "scale=1080:1920", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "5M", "-maxrate", "6M", "-bufsize", "10M", "-pix_fmt", "yuv420p", cut], TimeSpan.FromMinutes(5), CancellationToken.None);
        if (render.ExitCode != 0)
        {
            throw new InvalidOperationException(render.StdErrTail);
        }

        // 1,000 published videos of 30–60 s, 4 hashes a second; none alike, so every frame is compared with every frame.
        var random = new Random(7);
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            for (var i = 0; i < Published; i++)
            {
                var video = new Video { Title = $"Published {i}", Status = VideoStatus.Published };
                db.Videos.Add(video);
                db.VideoFingerprints.Add(new VideoFingerprint
                {
                    VideoId = video.Id,
                    Released = true,
                    Hashes = [.. Enumerable.Range(0, random.Next(120, 241)).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))],
                });
            }
            await db.SaveChangesAsync();
        }
        var candidate = new Video { Title = "New", Status = VideoStatus.AwaitingReview };
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            db.Videos.Add(candidate);
            await db.SaveChangesAsync();
        }

        var gate = provider.GetRequiredService<DuplicateGate>();
        var fingerprinter = provider.GetRequiredService<VideoFingerprinter>();
        var checks = new List<double>();
        var prints = new List<double>();
        var wholes = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var frames = await fingerprinter.FingerprintAsync(cut, work, CancellationToken.None);
            prints.Add(clock.Elapsed.TotalSeconds);
            var hashes = frames.Select(f => f.Hash).ToArray();
            clock.Restart();
            var (match, known, _) = await gate.CompareWithKnownAsync(candidate.Id, hashes, CancellationToken.None);
            checks.Add(clock.Elapsed.TotalSeconds);
            if (match is not null || known != Published || hashes.Length < 100)
            {
                throw new InvalidOperationException($"Unexpected: match {match}, {known} known, {hashes.Length} frames.");
            }
            clock.Restart();
            await gate.CheckAsync(candidate.Id, cut, work, CancellationToken.None);
            wholes.Add(clock.Elapsed.TotalSeconds);
        }
        prints.Sort();
        checks.Sort();
        wholes.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"duplicate gate: fingerprinting the 45 s cut {prints[Rounds / 2]:0.000} s; the whole gate {wholes[Rounds / 2]:0.000} s (medians of {Rounds})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH duplicate_check_1000_published {checks[Rounds / 2]:0.000} s target <=1"));
    }
}
