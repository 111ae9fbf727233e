using Microsoft.Extensions.Options;
using ViralForge.Core.Clips;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ViralForge.Tests.Media;

/// <summary>Synthetic clips made with ffmpeg: one clean, and the ways video diffusion goes wrong.</summary>
public sealed class DriftGateTests(ITestOutputHelper output)
{
    private const string Size = "270:480";

    private static async Task<string> MakeAsync(string folder, string name, params string[] args)
    {
        var path = Path.Combine(folder, name + ".mp4");
        await ProcessRunner.RunAsync("ffmpeg", ["-v", "error", "-y", .. args, "-pix_fmt", "yuv420p", "-c:v", "libx264", "-crf", "18", path], TimeSpan.FromSeconds(120), CancellationToken.None);
        return path;
    }

    private static string Blurring()
    {
        int[] radii = [0, 1, 2, 4, 6, 9];
        var parts = radii.Select((r, i) => $"[s{i}]{(r == 0 ? "null" : $"boxblur={r}")},trim=0:0.5,setpts=PTS-STARTPTS[p{i}]");
        return $"[0]scale={Size},setsar=1,split=6{string.Concat(radii.Select((_, i) => $"[s{i}]"))};{string.Join(';', parts)};{string.Concat(radii.Select((_, i) => $"[p{i}]"))}concat=n=6[v]";
    }

    [Fact]
    public async Task A_clean_clip_passes_and_blurring_melting_and_jumping_ones_are_rejected()
    {
        var folder = TestEnvironment.NewFolder("drift");
        var still = Path.Combine(folder, "still.png");
        var other = Path.Combine(folder, "other.png");
        await ProcessRunner.RunAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=s=540x960:d=1", "-frames:v", "1", still], TimeSpan.FromSeconds(30), CancellationToken.None);
        await ProcessRunner.RunAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "mandelbrot=s=540x960", "-frames:v", "1", other], TimeSpan.FromSeconds(30), CancellationToken.None);

        var clean = await MakeAsync(folder, "clean", "-loop", "1", "-i", still, "-vf", $"zoompan=z='1+0.1*on/90':d=1:s=270x480:fps=30", "-frames:v", "90");
        var blurring = await MakeAsync(folder, "blurring", "-loop", "1", "-framerate", "30", "-t", "3", "-i", still, "-filter_complex", Blurring(), "-map", "[v]");
        var melting = await MakeAsync(folder, "melting", "-loop", "1", "-framerate", "30", "-t", "3", "-i", still, "-vf",
            "scale=180:320,format=gray,geq=lum='clip(lum(X+sin(Y/8+T*6)*T*9\\,Y+cos(X/10+T*5)*T*7)+(random(1)-0.5)*T*120\\,0\\,255)'");
        var jumping = await MakeAsync(folder, "jumping", "-loop", "1", "-framerate", "30", "-t", "1.5", "-i", still, "-loop", "1", "-framerate", "30", "-t", "1.5", "-i", other,
            "-filter_complex", $"[0]scale={Size},setsar=1[a];[1]scale={Size},setsar=1[b];[a][b]concat=n=2[v]", "-map", "[v]");

        var gate = new DriftGate(new Ffmpeg(Options.Create(new MediaOptions())), Options.Create(new ClipOptions()));
        var reports = new Dictionary<string, DriftReport>();
        foreach (var (name, clip) in new[] { ("clean", clean), ("blurring", blurring), ("melting", melting), ("jumping", jumping) })
        {
            reports[name] = await gate.CheckAsync(clip, folder, CancellationToken.None);
            var r = reports[name];
            output.WriteLine($"{name}: sharpness {r.SharpnessRatio} spike {r.ChangeSpike} similarity {r.MinSimilarity} score {r.Score} → {r.Rejected ?? "passes"}");
        }

        Assert.Null(reports["clean"].Rejected);
        Assert.Equal(90, reports["clean"].Sharpness.Count);
        Assert.StartsWith("It blurs", reports["blurring"].Rejected, StringComparison.Ordinal);
        Assert.NotNull(reports["melting"].Rejected);
        Assert.NotNull(reports["jumping"].Rejected);
        Assert.True(reports["clean"].Score > reports.Where(r => r.Key != "clean").Max(r => r.Value.Score));
    }
}
