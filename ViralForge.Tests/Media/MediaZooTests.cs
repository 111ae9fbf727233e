using System.Text.Json;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Media;

/// <summary>A zoo of inputs made with ffmpeg; each is normalised to the delivery spec or rejected with a specific reason.</summary>
public sealed class MediaZooFixture : IAsyncLifetime
{
    public string Folder { get; } = TestEnvironment.NewFolder("zoo");
    public Ffmpeg Ffmpeg { get; } = new(Options.Create(new MediaOptions { X264Preset = "ultrafast" }));

    public string PathOf(string name) => System.IO.Path.Combine(Folder, name);

    // name → ffmpeg arguments that write it (output path appended), or null for files written by hand.
    public static readonly Dictionary<string, string[]?> Recipes = new()
    {
        ["qvga-25fps.mp4"] = Video("320x240", 25, "-c:v libx264 -pix_fmt yuv420p"),
        ["uhd-4k.mp4"] = Video("3840x2160", 30, "-c:v libx264 -preset ultrafast -pix_fmt yuv420p", seconds: 1),
        ["odd-1079x1917.mp4"] = Video("1079x1917", 30, "-c:v libx264 -preset ultrafast -pix_fmt yuv444p", seconds: 1),
        ["landscape-1080p.mp4"] = Video("1920x1080", 30, "-c:v libx264 -preset ultrafast -pix_fmt yuv420p"),
        ["square.mp4"] = Video("1080x1080", 30, "-c:v libx264 -preset ultrafast -pix_fmt yuv420p", seconds: 1),
        // Phones store portrait video as landscape pixels plus a rotation in the display matrix.
        ["phone-landscape.mp4"] = Video("640x360", 30, "-c:v libx264 -pix_fmt yuv420p"),
        ["rotate-90.mp4"] = ["-i", "{zoo}/phone-landscape.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=90"],
        ["rotate-180.mp4"] = ["-i", "{zoo}/phone-landscape.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=180"],
        ["rotate-270.mp4"] = ["-i", "{zoo}/phone-landscape.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=270"],
        ["ntsc-film-23.976.mp4"] = Video("640x360", 24000.0 / 1001, "-c:v libx264 -pix_fmt yuv420p"),
        ["ntsc-29.97.mp4"] = Video("640x360", 30000.0 / 1001, "-c:v libx264 -pix_fmt yuv420p"),
        ["sixty-fps.mp4"] = Video("640x360", 60, "-c:v libx264 -pix_fmt yuv420p"),
        ["variable-frame-rate.mkv"] = Video("640x360", 30, "-vf select='not(mod(n\\,3))+lt(n\\,10)',setpts=N/TB/20+random(0)*0.01/TB -fps_mode vfr -c:v libx264 -pix_fmt yuv420p"),
        ["hevc.mp4"] = Video("640x360", 30, "-c:v libx265 -preset ultrafast -pix_fmt yuv420p -x265-params log-level=error"),
        ["hevc-10bit.mkv"] = Video("640x360", 30, "-c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=error"),
        ["h264-10bit.mkv"] = Video("640x360", 30, "-c:v libx264 -pix_fmt yuv420p10le"),
        ["vp9.webm"] = Video("640x360", 30, "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv420p", audioCodec: "libopus"),
        ["mpeg4-part2.avi"] = Video("640x360", 25, "-c:v mpeg4 -q:v 5", audioCodec: "mp3"),
        ["prores.mov"] = Video("640x360", 25, "-c:v prores_ks -profile:v 1 -pix_fmt yuv422p10le", audioCodec: "pcm_s16le"),
        ["no-audio.mp4"] = Video("640x360", 30, "-c:v libx264 -pix_fmt yuv420p", audio: null),
        ["mono-22khz.mp4"] = Video("640x360", 30, "-c:v libx264 -pix_fmt yuv420p", audio: "sine=frequency=330:sample_rate=22050"),
        ["surround-5.1.mp4"] = Video("640x360", 30, "-c:v libx264 -pix_fmt yuv420p -ac 6", audio: "sine=frequency=330:sample_rate=48000"),
        ["short-0.5s.mp4"] = Video("640x360", 30, "-c:v libx264 -pix_fmt yuv420p", seconds: 0.5),
        ["animated.gif"] = Video("320x240", 10, "-c:v gif", audio: null, seconds: 1),
        ["photo.png"] = Still("1200x1600", "-c:v png"),
        ["photo.jpg"] = Still("4000x3000", "-c:v mjpeg -q:v 3"),
        ["photo.webp"] = Still("800x800", "-c:v libwebp"),
        ["photo.bmp"] = Still("640x480", "-c:v bmp"),
        ["photo.tiff"] = Still("720x1280", "-c:v tiff"),
        ["tiny-16x16.png"] = Still("16x16", "-c:v png"),
        ["audio-only.m4a"] = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac"],
        ["one-frame.mp4"] = Video("640x360", 30, "-c:v libx264 -pix_fmt yuv420p -frames:v 1", audio: null),
        // An edited recording whose timestamps start at 10 s: the container reports 11.5 s, it plays 1.5 s.
        ["late-start.mp4"] = Video("640x360", 30, "-c:v libx264 -pix_fmt yuv420p -output_ts_offset 10"),
        ["hls-playlist.mp4"] = null,
        ["concat-list.mp4"] = null,
        ["empty.mp4"] = null,
        ["text-renamed.mp4"] = null,
        ["truncated.mp4"] = null,
    };

    public static readonly Dictionary<string, string> Rejections = new()
    {
        ["tiny-16x16.png"] = "needs at least 64 pixels",
        ["audio-only.m4a"] = "sound but no picture",
        ["empty.mp4"] = "The file is empty",
        ["text-renamed.mp4"] = "not an image or video that can be read",
        ["truncated.mp4"] = "truncated",
        ["one-frame.mp4"] = "single frame",
        ["hls-playlist.mp4"] = "not accepted",
        ["concat-list.mp4"] = "not accepted",
    };

    /// <summary>Where the hostile playlist points: a loopback port that must never see a connection.</summary>
    public System.Net.Sockets.TcpListener Bait { get; } = new(System.Net.IPAddress.Loopback, 0);

    private static string[] Video(string size, double fps, string codecArgs, string? audio = "sine=frequency=440:sample_rate=44100", double seconds = 1.5, string audioCodec = "aac")
    {
        var args = new List<string> { "-f", "lavfi", "-i", $"testsrc2=size={size}:rate={fps.ToString(System.Globalization.CultureInfo.InvariantCulture)}:duration={seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}" };
        if (audio is not null)
        {
            args.AddRange(["-f", "lavfi", "-i", $"{audio}:duration={seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]);
        }
        args.AddRange(Split(codecArgs));
        if (audio is not null)
        {
            args.AddRange(["-c:a", audioCodec, "-shortest"]);
        }
        return [.. args];
    }

    private static string[] Still(string size, string codecArgs) =>
        ["-f", "lavfi", "-i", $"testsrc2=size={size}:rate=1:duration=1", "-frames:v", "1", .. Split(codecArgs), "-update", "1"];

    // Arguments are split on spaces except inside single quotes (filter expressions).
    private static IEnumerable<string> Split(string s) =>
        System.Text.RegularExpressions.Regex.Matches(s, @"[^\s']+(?:'[^']*'[^\s']*)*|'[^']*'").Select(m => m.Value.Replace("'", ""));

    public async Task InitializeAsync()
    {
        foreach (var (name, recipe) in Recipes)
        {
            if (recipe is not null)
            {
                await Ffmpeg.RunAsync([.. recipe.Select(a => a.Replace("{zoo}", Folder)), PathOf(name)], 0, null, CancellationToken.None);
            }
        }
        await File.WriteAllBytesAsync(PathOf("empty.mp4"), []);
        Bait.Start();
        var port = ((System.Net.IPEndPoint)Bait.LocalEndpoint).Port;
        await File.WriteAllTextAsync(PathOf("hls-playlist.mp4"),
            $"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nhttp://127.0.0.1:{port}/segment.ts\n#EXT-X-ENDLIST\n");
        await File.WriteAllTextAsync(PathOf("concat-list.mp4"), $"ffconcat version 1.0\nfile '{PathOf("landscape-1080p.mp4")}'\n");
        await File.WriteAllTextAsync(PathOf("text-renamed.mp4"), "This is a shopping list, not a video.\nmilk\neggs\n");
        var whole = await File.ReadAllBytesAsync(PathOf("landscape-1080p.mp4"));
        // Keep the first third: with +faststart absent the index (moov) is at the end, so this is cut off.
        await File.WriteAllBytesAsync(PathOf("truncated.mp4"), whole[..(whole.Length / 3)]);
    }

    public Task DisposeAsync()
    {
        Bait.Stop();
        return Task.CompletedTask;
    }
}

public sealed class MediaZooTests(MediaZooFixture zoo) : IClassFixture<MediaZooFixture>
{
    public static TheoryData<string> Inputs => new(MediaZooFixture.Recipes.Keys);

    [Fact]
    public void The_zoo_has_at_least_25_kinds() => Assert.True(MediaZooFixture.Recipes.Count >= 25);

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Every_input_is_normalised_to_the_delivery_spec_or_rejected_with_a_reason(string name)
    {
        var inspector = new MediaInspector(zoo.Ffmpeg);
        var normalizer = new MediaNormalizer(zoo.Ffmpeg, new EncoderSelector(zoo.Ffmpeg, Microsoft.Extensions.Logging.Abstractions.NullLogger<EncoderSelector>.Instance));
        var input = zoo.PathOf(name);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        if (MediaZooFixture.Rejections.TryGetValue(name, out var reason))
        {
            var rejected = await Assert.ThrowsAsync<MediaRejectedException>(async () =>
            {
                var media = await inspector.InspectAsync(input, cts.Token);
                await normalizer.NormalizeVideoAsync(input, media, MediaNormalizer.DefaultFit(media), 0, 3, zoo.PathOf(name + ".out.mp4"), null, cts.Token);
            });
            Assert.Contains(reason, rejected.Message);
            return;
        }

        var inspected = await inspector.InspectAsync(input, cts.Token);
        if (name.StartsWith("photo", StringComparison.Ordinal))
        {
            Assert.Equal(MediaKind.Image, inspected.Kind);
            var png = zoo.PathOf(name + ".keyframe.png");
            await normalizer.NormalizeImageAsync(input, inspected, MediaNormalizer.DefaultFit(inspected), png, cts.Token);
            var still = await ProbeAsync(png);
            Assert.Equal(1080, still.GetProperty("width").GetInt32());
            Assert.Equal(1920, still.GetProperty("height").GetInt32());
            return;
        }

        Assert.Equal(MediaKind.Video, inspected.Kind);
        var output = zoo.PathOf(name + ".normalised.mp4");
        await normalizer.NormalizeVideoAsync(input, inspected, MediaNormalizer.DefaultFit(inspected), 0, 3, output, null, cts.Token);
        var (video, audio, format) = await ProbeAllAsync(output);
        Assert.Equal("h264", video.GetProperty("codec_name").GetString());
        Assert.Equal(1080, video.GetProperty("width").GetInt32());
        Assert.Equal(1920, video.GetProperty("height").GetInt32());
        Assert.Equal("30/1", video.GetProperty("r_frame_rate").GetString());
        Assert.Equal("30/1", video.GetProperty("avg_frame_rate").GetString());
        Assert.Equal("yuv420p", video.GetProperty("pix_fmt").GetString());
        Assert.Equal("1:1", video.TryGetProperty("sample_aspect_ratio", out var sar) ? sar.GetString() : "1:1");
        Assert.False(video.TryGetProperty("side_data_list", out _), "Rotation must be applied to the pixels, not left as metadata.");
        Assert.Equal(90, int.Parse(video.GetProperty("nb_frames").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("aac", audio.GetProperty("codec_name").GetString());
        Assert.Equal("48000", audio.GetProperty("sample_rate").GetString());
        Assert.Equal(2, audio.GetProperty("channels").GetInt32());
        Assert.InRange(double.Parse(format.GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture), 2.95, 3.1);
    }

    [Fact]
    public async Task Hostile_files_are_refused_by_the_probe_and_by_ffmpeg_itself_without_touching_the_network_or_other_files()
    {
        var inspector = new MediaInspector(zoo.Ffmpeg);
        var normalizer = new MediaNormalizer(zoo.Ffmpeg, new EncoderSelector(zoo.Ffmpeg, Microsoft.Extensions.Logging.Abstractions.NullLogger<EncoderSelector>.Instance));
        foreach (var name in new[] { "hls-playlist.mp4", "concat-list.mp4" })
        {
            var refused = await Assert.ThrowsAsync<MediaRejectedException>(() => inspector.InspectAsync(zoo.PathOf(name), CancellationToken.None));
            Assert.Contains("playlists, concat lists", refused.Message);
            // Even a stage that skipped the probe cannot open it: the allowlists are on every untrusted ffmpeg input.
            var pretend = new InputMedia(MediaKind.Video, 640, 360, 0, 30, false, 2, "h264", "yuv420p", false, 0, 0);
            await Assert.ThrowsAsync<MediaRejectedException>(() =>
                normalizer.NormalizeVideoAsync(zoo.PathOf(name), pretend, FitMode.Cover, 0, 2, zoo.PathOf(name + ".out.mp4"), null, CancellationToken.None));
            Assert.False(File.Exists(zoo.PathOf(name + ".out.mp4")) && new FileInfo(zoo.PathOf(name + ".out.mp4")).Length > 0,
                "The concat list's target was read through the list.");
        }
        Assert.False(zoo.Bait.Pending(), "The playlist made a network request.");
    }

    [Fact]
    public async Task A_video_whose_timestamps_start_late_is_measured_by_how_long_it_plays()
    {
        var media = await new MediaInspector(zoo.Ffmpeg).InspectAsync(zoo.PathOf("late-start.mp4"), CancellationToken.None);
        Assert.InRange(media.Seconds, 1.4, 1.6);
    }

    [Fact]
    public async Task Rotation_is_applied_so_a_portrait_phone_video_fills_the_frame()
    {
        var inspected = await new MediaInspector(zoo.Ffmpeg).InspectAsync(zoo.PathOf("rotate-90.mp4"), CancellationToken.None);
        Assert.Contains(inspected.Rotation, new[] { 90, 270 });
        Assert.Equal((360, 640), inspected.Displayed);
        Assert.Equal(FitMode.Cover, MediaNormalizer.DefaultFit(inspected));
        var landscape = await new MediaInspector(zoo.Ffmpeg).InspectAsync(zoo.PathOf("landscape-1080p.mp4"), CancellationToken.None);
        Assert.Equal(FitMode.Contain, MediaNormalizer.DefaultFit(landscape));
    }

    private static async Task<JsonElement> ProbeAsync(string path) => (await ProbeAllAsync(path)).Video;

    private static async Task<(JsonElement Video, JsonElement Audio, JsonElement Format)> ProbeAllAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", path], TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        var root = JsonDocument.Parse(result.StdOut).RootElement;
        var streams = root.GetProperty("streams").EnumerateArray().ToList();
        var video = streams.First(s => s.GetProperty("codec_type").GetString() == "video");
        var audio = streams.FirstOrDefault(s => s.GetProperty("codec_type").GetString() == "audio");
        return (video, audio, root.GetProperty("format"));
    }
}
