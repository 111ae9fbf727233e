using System.Globalization;
using System.Text;
using ViralForge.Core.Media;

namespace ViralForge.Core.Composition;

/// <summary>
/// Builds the ffmpeg inputs and filter graphs for a <see cref="Timeline"/> in small, separately
/// testable pieces: a video graph over the clips and an audio graph over the narrations and music.
/// </summary>
public static class TimelineGraph
{
    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Only the clips, for the video encode.</summary>
    public static List<string> VideoInputs(Timeline timeline) =>
        timeline.Scenes.SelectMany(s => new[] { "-i", s.ClipPath }).ToList();

    /// <summary>Narrations then music, for the audio passes (input 0 is the first narration).</summary>
    public static List<string> AudioInputs(Timeline timeline)
    {
        var args = timeline.Scenes.SelectMany(s => new[] { "-i", s.NarrationPath }).ToList();
        if (timeline.Music is { } music)
        {
            args.AddRange(["-stream_loop", "-1", "-i", music.Path]);
        }
        return args;
    }

    /// <summary>Each clip held (last frame) or cut to its scene length, on one time base so transitions can join them.</summary>
    public static string SceneVideo(int input, double seconds, string output) =>
        $"[{input}:v]fps={MediaNormalizer.Fps},scale={MediaNormalizer.Width}:{MediaNormalizer.Height},setsar=1,format=yuv420p," +
        $"tpad=stop_mode=clone:stop_duration={F(seconds)},trim=duration={F(seconds)},setpts=PTS-STARTPTS,settb=AVTB{output}";

    /// <summary>Scenes joined in order: a cut concatenates, anything else is an xfade that overlaps the two.</summary>
    public static string JoinScenes(Timeline timeline, IReadOnlyList<string> sceneLabels, string output)
    {
        if (sceneLabels.Count == 1)
        {
            return $"{sceneLabels[0]}null{output}";
        }
        var graph = new StringBuilder();
        var current = sceneLabels[0];
        var length = timeline.Scenes[0].Seconds;
        for (var i = 1; i < sceneLabels.Count; i++)
        {
            var next = i == sceneLabels.Count - 1 ? output : $"[join{i}]";
            var overlap = timeline.Overlap(i);
            if (overlap <= 0)
            {
                graph.Append(CultureInfo.InvariantCulture, $"{current}{sceneLabels[i]}concat=n=2:v=1:a=0{next};");
            }
            else
            {
                graph.Append(CultureInfo.InvariantCulture,
                    $"{current}{sceneLabels[i]}xfade=transition={timeline.Scenes[i].TransitionIn.Kind}:duration={F(overlap)}:offset={F(length - overlap)}{next};");
            }
            length += timeline.Scenes[i].Seconds - overlap;
            current = next;
        }
        return graph.ToString().TrimEnd(';');
    }

    /// <summary>Every narration delayed to its scene's start and mixed into one voice track as long as the video.</summary>
    public static string Voice(Timeline timeline, int firstNarrationInput, string output)
    {
        var graph = new StringBuilder();
        var starts = timeline.SceneStarts;
        var labels = new StringBuilder();
        for (var i = 0; i < timeline.Scenes.Count; i++)
        {
            var ms = (long)Math.Round(starts[i] * 1000);
            graph.Append(CultureInfo.InvariantCulture,
                $"[{firstNarrationInput + i}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay={ms}|{ms}[n{i}];");
            labels.Append(CultureInfo.InvariantCulture, $"[n{i}]");
        }
        graph.Append(CultureInfo.InvariantCulture,
            $"{labels}amix=inputs={timeline.Scenes.Count}:duration=longest:dropout_transition=0:normalize=0,apad,atrim=duration={F(timeline.TotalSeconds)}{output}");
        return graph.ToString();
    }

    /// <summary>The voice over the music bed, the bed ducked whenever the voice speaks.</summary>
    public static string MixWithMusic(Timeline timeline, string voice, int musicInput, string output)
    {
        var music = timeline.Music!;
        var bed = $"[{musicInput}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,volume={F(music.Volume)},atrim=duration={F(timeline.TotalSeconds)},afade=t=out:st={F(Math.Max(0, timeline.TotalSeconds - 1))}:d=1";
        return music.DuckUnderVoice
            ? $"{voice}asplit=2[voice][key];{bed}[bed];[bed][key]sidechaincompress=threshold=0.015:ratio=10:attack=15:release=350[ducked];[voice][ducked]amix=inputs=2:duration=first:normalize=0{output}"
            : $"{bed}[bed];{voice}[bed]amix=inputs=2:duration=first:normalize=0{output}";
    }

    /// <summary>The visible AI-content label, top right, inside the area that platform UIs leave free.</summary>
    public static string Label(TextOverlay label, string input, string output) =>
        $"{input}{FilterValue.DrawText(label.FontFile, label.TextFile, "fontsize=34:fontcolor=white@0.9:box=1:boxcolor=black@0.45:boxborderw=12:x=w-text_w-48:y=140")},format=yuv420p{output}";

    /// <summary>Word-timed captions rendered by libass with the studio's fonts.</summary>
    public static string Burn(string assFile, string fontFile, string input, string output) =>
        $"{input}subtitles=filename={FilterValue.Escape(assFile)}:fontsdir={FilterValue.Escape(Path.GetDirectoryName(fontFile) ?? ".")}{output}";

    /// <summary>The audio graph over <see cref="AudioInputs"/> (voice and music, before loudness), shared by the measuring pass and the encode.</summary>
    public static string AudioGraph(Timeline timeline, string output)
    {
        var n = timeline.Scenes.Count;
        var voice = Voice(timeline, 0, timeline.Music is null ? output : "[voicemix]");
        return timeline.Music is null ? voice : $"{voice};{MixWithMusic(timeline, "[voicemix]", n, output)}";
    }

    /// <summary>The video graph: scenes joined and labelled to [vout], plus one frame at 1 s for the poster to [poster].</summary>
    public static string BuildVideo(Timeline timeline)
    {
        var parts = new List<string>();
        var labels = new List<string>();
        for (var i = 0; i < timeline.Scenes.Count; i++)
        {
            parts.Add(SceneVideo(i, timeline.Scenes[i].Seconds, $"[s{i}]"));
            labels.Add($"[s{i}]");
        }
        parts.Add(JoinScenes(timeline, labels, "[joined]"));
        parts.Add(timeline.CaptionsFile is { } captions
            ? $"{Burn(captions, timeline.Label.FontFile, "[joined]", "[captioned]")};{Label(timeline.Label, "[captioned]", "[labelled]")}"
            : Label(timeline.Label, "[joined]", "[labelled]"));
        var posterFrame = (int)Math.Round(Math.Min(1, timeline.TotalSeconds / 2) * MediaNormalizer.Fps);
        parts.Add($"[labelled]split=2[vout][p];[p]trim=start_frame={posterFrame}:end_frame={posterFrame + 1},scale=540:960[poster]");
        return string.Join(';', parts);
    }

    /// <summary>The audio graph with loudness normalisation, to [aout].</summary>
    public static string BuildAudio(Timeline timeline, string loudnorm) =>
        $"{AudioGraph(timeline, "[mixed]")};[mixed]{loudnorm},aresample=48000[aout]";
}
