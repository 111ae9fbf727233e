namespace ViralForge.Core.Composition;

/// <summary>How one scene gives way to the next. A cut has no duration.</summary>
public sealed record Transition(string Kind, double Seconds)
{
    /// <summary>Named after ffmpeg's xfade transitions, plus "cut".</summary>
    public static readonly string[] Kinds = ["cut", "fade", "dissolve", "slideleft", "slideright", "slideup", "slidedown", "wipeleft", "wiperight", "wipeup", "wipedown", "circleopen", "radial", "smoothleft", "smoothright"];

    public static readonly Transition Cut = new("cut", 0);

    public bool IsCut => Kind == "cut" || Seconds <= 0;
}

public sealed record TimelineScene(string ClipPath, string NarrationPath, double Seconds, Transition TransitionIn);

public sealed record MusicBed(string Path, double Volume = 0.22, bool DuckUnderVoice = true);

public sealed record TextOverlay(string TextFile, string FontFile);

/// <summary>
/// The whole final cut, declared: scenes with their transitions, narration aligned to each scene's
/// start, an optional music bed ducked under the voice, word-timed captions (an ASS file), the AI
/// label, and the loudness target.
/// Turned into ffmpeg arguments by <see cref="TimelineGraph"/>.
/// </summary>
public sealed record Timeline(
    IReadOnlyList<TimelineScene> Scenes,
    MusicBed? Music,
    TextOverlay Label,
    string? CaptionsFile = null,
    double TargetLufs = -14,
    double TruePeakDb = -1)
{
    /// <summary>When each scene starts in the final cut: transitions overlap the scenes they join.</summary>
    public IReadOnlyList<double> SceneStarts
    {
        get
        {
            var starts = new List<double>();
            var t = 0.0;
            for (var i = 0; i < Scenes.Count; i++)
            {
                if (i > 0)
                {
                    t -= Overlap(i);
                }
                starts.Add(t);
                t += Scenes[i].Seconds;
            }
            return starts;
        }
    }

    public double TotalSeconds => Scenes.Count == 0 ? 0 : SceneStarts[^1] + Scenes[^1].Seconds;

    /// <summary>A transition into scene i overlaps it with the previous one, never by more than half of either.</summary>
    public double Overlap(int i) =>
        i == 0 || Scenes[i].TransitionIn.IsCut ? 0 : Math.Min(Scenes[i].TransitionIn.Seconds, Math.Min(Scenes[i].Seconds, Scenes[i - 1].Seconds) / 2);
}
