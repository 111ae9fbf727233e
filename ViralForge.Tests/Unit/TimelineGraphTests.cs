using ViralForge.Core.Composition;

namespace ViralForge.Tests.Unit;

public sealed class TimelineGraphTests
{
    private static Timeline Make(params (double Seconds, string Transition)[] scenes) => new(
        scenes.Select((s, i) => new TimelineScene($"clip{i}.mp4", $"voice{i}.wav", s.Seconds,
            s.Transition == "cut" ? Transition.Cut : new Transition(s.Transition, 0.5))).ToList(),
        null, new TextOverlay("label.txt", "font.ttf"));

    [Fact]
    public void Transitions_overlap_scenes_and_cuts_do_not()
    {
        var timeline = Make((3, "cut"), (2, "fade"), (4, "cut"), (3, "slideleft"));
        Assert.Equal([0, 2.5, 4.5, 8], timeline.SceneStarts);
        Assert.Equal(11, timeline.TotalSeconds);
        // An overlap never takes more than half of either scene.
        Assert.Equal(0.5, Make((0.6, "cut"), (3, "fade")).Overlap(1) + 0.2, 3);
    }

    [Fact]
    public void Scenes_join_with_concat_for_cuts_and_xfade_at_the_right_offsets()
    {
        var timeline = Make((3, "cut"), (2, "fade"), (4, "cut"), (3, "slideleft"));
        var graph = TimelineGraph.JoinScenes(timeline, ["[s0]", "[s1]", "[s2]", "[s3]"], "[out]");
        Assert.Equal(
            "[s0][s1]xfade=transition=fade:duration=0.5:offset=2.5[join1];" +
            "[join1][s2]concat=n=2:v=1:a=0[join2];" +
            "[join2][s3]xfade=transition=slideleft:duration=0.5:offset=8[out]", graph);
    }

    [Fact]
    public void Each_narration_starts_with_its_scene()
    {
        var timeline = Make((3, "cut"), (2, "fade"), (4, "cut"));
        var voice = TimelineGraph.Voice(timeline, 3, "[v]");
        Assert.Contains("[3:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=0|0[n0]", voice);
        Assert.Contains("[4:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=2500|2500[n1]", voice);
        Assert.Contains("adelay=4500|4500[n2]", voice);
        Assert.EndsWith("amix=inputs=3:duration=longest:dropout_transition=0:normalize=0,apad,atrim=duration=8.5[v]", voice);
    }

    [Fact]
    public void Music_is_ducked_under_the_voice_with_a_sidechain()
    {
        var timeline = Make((3, "cut"), (3, "fade")) with { Music = new MusicBed("bed.mp3", 0.3) };
        Assert.Equal(["-i", "clip0.mp4", "-i", "clip1.mp4"], TimelineGraph.VideoInputs(timeline));
        Assert.Equal(["-i", "voice0.wav", "-i", "voice1.wav", "-stream_loop", "-1", "-i", "bed.mp3"], TimelineGraph.AudioInputs(timeline));
        var audio = TimelineGraph.AudioGraph(timeline, "[mix]");
        Assert.Contains("[0:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=0|0[n0]", audio);
        Assert.Contains("[2:a]aresample=48000", audio);
        Assert.Contains("volume=0.3", audio);
        Assert.Contains("[bed][key]sidechaincompress=", audio);
        Assert.EndsWith("[voice][ducked]amix=inputs=2:duration=first:normalize=0[mix]", audio);
    }

    [Fact]
    public void Loudness_measurements_are_read_from_ffmpeg_output_and_silence_falls_back()
    {
        const string output = """
            [Parsed_loudnorm_0 @ 0x5] 
            {
                "input_i" : "-27.61",
                "input_tp" : "-9.89",
                "input_lra" : "3.20",
                "input_thresh" : "-38.06",
                "output_i" : "-14.1",
                "output_tp" : "-1.00",
                "output_lra" : "2.90",
                "output_thresh" : "-24.5",
                "normalization_type" : "dynamic",
                "target_offset" : "0.10"
            }
            """;
        Assert.Equal(("-27.61", "-9.89", "3.20", "-38.06", "0.10"), LoudnessPass.Parse(output));
        Assert.Null(LoudnessPass.Parse(output.Replace("-27.61", "-inf")));
        Assert.Null(LoudnessPass.Parse("no json here"));
    }
}
