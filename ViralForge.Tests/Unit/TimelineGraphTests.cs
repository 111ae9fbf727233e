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
    public void Loudness_measurements_are_read_from_the_meter_and_a_plain_gain_is_used_only_where_it_keeps_the_peak_and_range()
    {
        const string output = """
            [Parsed_ebur128_0 @ 0x55] Summary:

              Integrated loudness:
                I:         -21.9 LUFS
                Threshold: -31.9 LUFS

              Loudness range:
                LRA:         3.2 LU
                Threshold: -41.9 LUFS
                LRA low:   -23.1 LUFS
                LRA high:  -20.0 LUFS

              True peak:
                Peak:      -9.5 dBFS
            """;
        var measured = LoudnessPass.Parse(output);
        Assert.Equal(new LoudnessMeasure(-21.9, -31.9, 3.2, -9.5), measured);
        // +7.9 dB lifts the peak to -1.6 dBFS, under the -1 ceiling: a plain gain, as loudnorm's linear mode.
        Assert.Equal("volume=7.9dB", LoudnessPass.Filter(measured, -14, -1));
        // A louder peak would pass the ceiling: loudnorm decides, with the measurements.
        Assert.StartsWith("loudnorm=I=-14:TP=-1:LRA=11:measured_I=-21.9:measured_TP=-5:measured_LRA=3.2:measured_thresh=-31.9",
            LoudnessPass.Filter(measured!.Value with { TruePeak = -5 }, -14, -1));
        // Silence (the meter reads 0.0 and -inf when nothing is heard) falls back to one pass.
        Assert.Null(LoudnessPass.Parse(output.Replace("-21.9 LUFS", "-inf LUFS").Replace("I:         -inf", "I:         -inf")));
        Assert.Null(LoudnessPass.Parse(output.Replace("I:         -21.9", "I:           0.0")));
        Assert.Null(LoudnessPass.Parse("no summary here"));
        Assert.Equal("loudnorm=I=-14:TP=-1:LRA=11", LoudnessPass.Filter(null, -14, -1));
    }
}
