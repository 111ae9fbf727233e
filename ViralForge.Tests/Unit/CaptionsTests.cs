using ViralForge.Core.Composition;
using ViralForge.Core.Narration;

namespace ViralForge.Tests.Unit;

public sealed class CaptionsTests
{
    private static readonly WordTiming[] Words =
    [
        new("Octopuses", 0.10, 0.62), new("have", 0.62, 0.80), new("three", 0.80, 1.05), new("hearts.", 1.05, 1.50),
        new("Their", 1.90, 2.10), new("blood", 2.10, 2.40),
    ];

    [Fact]
    public void Lines_are_short_and_end_at_punctuation()
    {
        var lines = Captions.Lines(Words).Select(l => string.Join(' ', l.Select(w => w.Word))).ToList();
        Assert.Equal(["Octopuses have", "three hearts.", "Their blood"], lines);
    }

    [Fact]
    public void Each_spoken_word_gets_a_cue_at_its_time_in_the_final_cut()
    {
        var cues = Captions.Cues([(0.0, Words[..2]), (3.5, Words[2..4])]);
        Assert.Equal(4, cues.Count);
        Assert.Equal((0.10, 0.62, 0), (cues[0].Start, cues[0].End, cues[0].Spoken));
        Assert.Equal((0.62, 0.80, 1), (cues[1].Start, cues[1].End, cues[1].Spoken));
        // The second scene starts at 3.5 s in the final cut.
        Assert.Equal(3.5 + 0.80, cues[2].Start, 6);
        Assert.Equal(3.5 + 1.50, cues[3].End, 6);
        Assert.Equal(["three", "hearts."], cues[3].Words);
    }

    [Fact]
    public void The_ass_file_highlights_the_spoken_word_inside_the_safe_area_and_escapes_script_text()
    {
        var cues = Captions.Cues([(1.0, [new WordTiming("{\\pos(0,0)}hack", 0, 0.5), new("ok", 0.5, 1)])]);
        var ass = Captions.Ass(cues, CaptionStyle.Presets["bold"]);
        Assert.Contains("PlayResX: 1080", ass);
        Assert.Contains($",2,{Captions.MarginLeft},{Captions.MarginRight},{Captions.MarginBottom},1", ass);
        Assert.Contains("Dialogue: 0,0:00:01.00,0:00:01.50,Caption,,0,0,0,,{\\c&H0000D7FF}(/pos(0,0))hack{\\c&H00FFFFFF} ok", ass);
        Assert.Contains("Dialogue: 0,0:00:01.50,0:00:02.00,Caption,,0,0,0,,(/pos(0,0))hack {\\c&H0000D7FF}ok{\\c&H00FFFFFF}", ass);
        Assert.Equal("1:02:03.46", Captions.Time(3723.456));
    }
}
