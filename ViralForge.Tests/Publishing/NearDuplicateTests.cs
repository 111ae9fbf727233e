using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Publishing.Duplicates;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Publishing;

/// <summary>
/// The near-duplicate matcher on real ffmpeg renders: a re-encoded, cropped, colour-shifted, 5 % faster
/// copy of a video is caught; ten different videos are not; the same picture used for two scenes is
/// caught, two different scenes are not.
/// </summary>
public sealed class NearDuplicateTests
{
    private static readonly DuplicateOptions Options = new();
    private readonly string _folder = TestEnvironment.NewFolder("neardup");
    private readonly VideoFingerprinter _fingerprinter = new(new Ffmpeg(Microsoft.Extensions.Options.Options.Create(new MediaOptions())), Microsoft.Extensions.Options.Options.Create(Options));

    [Fact]
    public async Task A_disguised_copy_is_caught_and_ten_different_videos_are_not()
    {
        var original = await RenderAsync("original", "mandelbrot=size=540x960:rate=30:start_scale=2.5:end_scale=0.5");
        var copy = await RenderAsync("copy", null, source: original,
            filters: "crop=iw*0.92:ih*0.92,scale=1080:1920,eq=brightness=0.05:saturation=1.4,hue=h=25,setpts=PTS/1.05", crf: "30");
        var published = await HashesAsync(original);
        Assert.True(published.Length >= 20, $"The original gave {published.Length} informative frames.");

        var copyScore = DuplicateMatcher.Score(await HashesAsync(copy), published, Options.FrameDistance);
        Assert.True(copyScore >= Options.Threshold, $"The disguised copy scored {copyScore:0.00}, below {Options.Threshold}.");

        string[] others =
        [
            "testsrc2=size=540x960:rate=30",
            "life=size=540x960:rate=30:mold=10:ratio=0.3:death_color=#202020:life_color=#ffcc00",
            "cellauto=size=540x960:rate=30:rule=30",
            "sierpinski=size=540x960:rate=30:type=triangle",
            "gradients=size=540x960:rate=30:speed=0.05:c0=0x112233:c1=0xffaa00:c2=0x00ffaa",
            "smptehdbars=size=540x960:rate=30",
            "colorchart=rate=30:patch_size=54x96",
            "colorspectrum=size=540x960:rate=30:type=all",
            "rgbtestsrc=size=540x960:rate=30",
            "mandelbrot=size=540x960:rate=30:start_x=-0.74:start_y=0.12:start_scale=0.01:end_scale=0.001:inner=period",
        ];
        var scores = new List<string>();
        for (var i = 0; i < others.Length; i++)
        {
            var other = await RenderAsync($"other-{i}", others[i]);
            var score = DuplicateMatcher.Score(await HashesAsync(other), published, Options.FrameDistance);
            scores.Add($"{others[i].Split('=')[0]} {score:0.00}");
            Assert.True(score < Options.Threshold, $"A different video was caught: {string.Join(", ", scores)}");
        }
    }

    [Fact]
    public async Task The_same_picture_in_two_scenes_is_caught_and_different_scenes_are_not()
    {
        // Three scenes made like the studio's cards (a gradient, a line of text); scene 2 is scene 0's clip again (re-encoded on its way).
        var same = await CardClipAsync("same-a", "0x0f172a", "0x0ea5e9", "zoompan=z='min(zoom+0.002,1.2)':d=60:s=540x960:fps=30");
        var other = await CardClipAsync("other", "0x052e16", "0x22c55e", "zoompan=z='min(zoom+0.002,1.2)':d=60:s=540x960:fps=30");
        var sameAgain = Path.Combine(_folder, "same-b.mp4");
        await FfmpegAsync("-i", same, "-vf", "scale=1080:1920", "-c:v", "libx264", "-crf", "28", "-pix_fmt", "yuv420p", sameAgain);
        var scenes = new List<IReadOnlyList<FrameHash>>
        {
            await _fingerprinter.FingerprintAsync(same, _folder, CancellationToken.None),
            await _fingerprinter.FingerprintAsync(other, _folder, CancellationToken.None),
            await _fingerprinter.FingerprintAsync(sameAgain, _folder, CancellationToken.None),
        };
        var repeated = DuplicateMatcher.RepeatedScenes(scenes, Options.SceneFrameDistance, Options.SceneColourTolerance, Options.Threshold);
        var pair = Assert.Single(repeated);
        Assert.Equal((0, 2), (pair.First, pair.Second));
    }

    private async Task<ulong[]> HashesAsync(string path) =>
        [.. (await _fingerprinter.FingerprintAsync(path, _folder, CancellationToken.None)).Select(f => f.Hash)];

    private async Task<string> CardClipAsync(string name, string from, string to, string motion)
    {
        var output = Path.Combine(_folder, name + ".mp4");
        await FfmpegAsync("-f", "lavfi", "-i", $"gradients=s=540x960:c0={from}:c1={to}:x0=0:y0=0:x1=540:y1=960:d=1:r=1",
            "-frames:v", "1", "-vf", $"drawbox=x=60:y={(from == "0x0f172a" ? 420 : 300)}:w=420:h=60:color=white@0.9:t=fill", Path.Combine(_folder, name + ".png"));
        await FfmpegAsync("-loop", "1", "-i", Path.Combine(_folder, name + ".png"), "-vf", motion, "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", output);
        return output;
    }

    private async Task<string> RenderAsync(string name, string? lavfi, string? source = null, string filters = "scale=1080:1920", string crf = "23")
    {
        var output = Path.Combine(_folder, name + ".mp4");
        string[] input = source is null ? ["-f", "lavfi", "-i", lavfi!] : ["-i", source];
        await FfmpegAsync([.. input, "-t", "6", "-vf", filters, "-c:v", "libx264", "-preset", "veryfast", "-crf", crf, "-pix_fmt", "yuv420p", output]);
        return output;
    }

    private static async Task FfmpegAsync(params string[] args)
    {
        var result = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", .. args], TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"ffmpeg {string.Join(' ', args)}: {result.StdErrTail}");
    }
}
