using System.Text.Json;
using System.Text.Json.Nodes;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;

namespace ViralForge.Core.Composition;

/// <summary>
/// The final cut in one video encode: each scene held as long as its narration needs, joined by its
/// transition, the narration aligned to its scene, music ducked under the voice, the AI label and
/// metadata, loudness-normalised for social platforms (two-pass, −14 LUFS, −1 dBTP).
/// </summary>
public sealed class ComposeStage(Ffmpeg ffmpeg, IGpuSlot gpu, EncoderSelector encoders, LoudnessPass loudness, MusicLibrary music) : IStageHandler
{
    public const double TailSeconds = 0.35;
    public const string AiLabel = "AI-generated";

    public StageKind Stage => StageKind.Compose;
    public int Version => 3;

    /// <summary>The music track's file: replacing a track in the library re-composes the cuts that used it.</summary>
    public ValueTask<string?> ExternalInputsAsync(StageRun run, ScriptDocument script, CancellationToken ct)
    {
        try
        {
            var track = music.Choose(StageContext.TextOf(JsonNode.Parse(run.ParametersJson) as JsonObject, "music", "random"), run.VideoId);
            return ValueTask.FromResult(track is null ? null : FileStamp.Of(track));
        }
        catch (PermanentStageException)
        {
            return ValueTask.FromResult<string?>(null); // the run itself reports the unknown track
        }
    }

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        var timeline = await BuildTimelineAsync(context, ct);
        var total = timeline.TotalSeconds;
        var encoder = await encoders.GetAsync(ct);
        var picture = context.WorkFile("picture.mp4");
        var sound = context.WorkFile("sound.m4a");
        var poster = context.WorkFile("poster.jpg");
        var output = context.WorkFile("final.mp4");

        // Sound (measure, then normalise and encode) runs beside the picture encode; each is encoded once.
        using var audioCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var audio = EncodeAudioAsync(timeline, sound, audioCts.Token);
        try
        {
            await using (await gpu.AcquireAsync("final encode", context.Run.Id, ct))
            {
                var args = TimelineGraph.VideoInputs(timeline);
                args.AddRange(["-filter_complex", TimelineGraph.BuildVideo(timeline), "-map", "[vout]"]);
                args.AddRange(encoder.Arguments);
                args.AddRange(["-pix_fmt", "yuv420p", "-r", "30", "-t", Ffmpeg.Seconds(total), picture, "-map", "[poster]", "-frames:v", "1", "-q:v", "3", "-update", "1", poster]);
                await ffmpeg.RunAsync(args, total, context.Progress, ct);
            }
        }
        catch
        {
            await audioCts.CancelAsync();
            await Task.WhenAny(audio);
            throw;
        }
        await audio;
        await ffmpeg.RunAsync(["-i", picture, "-i", sound, "-map", "0:v", "-map", "1:a", "-c", "copy", "-t", Ffmpeg.Seconds(total),
            "-metadata", $"title={context.Script.Title}", "-metadata", "comment=AI-generated content (ViralForge)", "-metadata", "ai_generated=true",
            "-movflags", "+faststart+use_metadata_tags", output], 0, null, ct);

        var probe = await ffmpeg.ProbeAsync(output, ct);
        var video = probe.Video ?? throw new TransientStageException("The composed file has no video stream.");
        if (video.Width != MediaNormalizer.Width || video.Height != MediaNormalizer.Height || probe.Audio is not { } finalAudio)
        {
            throw new TransientStageException($"The composed file is {video.Width}x{video.Height} (audio: {probe.Audio is not null}); expected 1080x1920 with audio.");
        }
        var info = JsonSerializer.Serialize(new
        {
            seconds = Math.Round(probe.Seconds, 3),
            width = video.Width,
            height = video.Height,
            fps = Math.Round(video.AverageFrameRate, 3),
            videoCodec = video.Codec,
            pixelFormat = video.PixelFormat,
            audioCodec = finalAudio.Codec,
            sampleRate = finalAudio.SampleRate,
            encoder = encoder.Name,
            encoderReason = encoder.Reason,
            music = timeline.Music is { } m ? Path.GetFileName(m.Path) : null,
            transitions = timeline.Scenes.Skip(1).Select(s => s.TransitionIn.Kind),
            sceneStarts = timeline.SceneStarts.Select(s => Math.Round(s, 3)),
            sceneSeconds = timeline.Scenes.Select(s => Math.Round(s.Seconds, 3)),
        });
        var files = new List<ProducedFile> { new("final", output, "video/mp4", info), new("poster", poster, "image/jpeg") };
        if (timeline.CaptionsFile is { } captions)
        {
            files.Add(new ProducedFile("captions", captions, "text/x-ssa"));
        }
        return new StageOutcome(files);
    }

    private async Task EncodeAudioAsync(Timeline timeline, string output, CancellationToken ct)
    {
        var loudnorm = await loudness.FilterAsync(timeline, ct);
        var args = TimelineGraph.AudioInputs(timeline);
        args.AddRange(["-filter_complex", TimelineGraph.BuildAudio(timeline, loudnorm), "-map", "[aout]",
            "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2", "-t", Ffmpeg.Seconds(timeline.TotalSeconds), output]);
        await ffmpeg.RunAsync(args, 0, null, ct);
    }

    private async Task<Timeline> BuildTimelineAsync(StageContext context, CancellationToken ct)
    {
        var count = context.Script.Scenes.Count;
        var transitions = Transitions(context, count);
        var scenes = new List<TimelineScene>();
        for (var i = 0; i < count; i++)
        {
            var narration = context.Input(StageKind.Narration, i);
            var spoken = NarrationSeconds(narration.ArtifactOf("narration").MediaInfoJson);
            var overlapOut = i + 1 < count && !transitions[i + 1].IsCut ? transitions[i + 1].Seconds : 0;
            var seconds = Math.Max(context.Script.Scenes[i].DurationSeconds, spoken + TailSeconds + overlapOut);
            scenes.Add(new TimelineScene(context.Input(StageKind.Clips, i).PathOf("clip"), narration.PathOf("narration"), seconds, transitions[i]));
        }
        var labelFile = context.WorkFile("label.txt");
        await File.WriteAllTextAsync(labelFile, AiLabel, ct);
        var track = music.Choose(context.Text("music", "random"), context.Video.Id);
        var volume = context.Number("musicVolume", 0.22, 0, 1);
        var timeline = new Timeline(scenes, track is null ? null : new MusicBed(track, volume), new TextOverlay(labelFile, ffmpeg.Options.FontFile));

        var styleName = context.Text("captionStyle", "bold");
        if (styleName == "none")
        {
            return timeline;
        }
        if (!CaptionStyle.Presets.TryGetValue(styleName, out var style))
        {
            throw new PermanentStageException($"Caption style '{styleName}' is unknown; use {string.Join(", ", CaptionStyle.Presets.Keys)} or none.");
        }
        var starts = timeline.SceneStarts;
        var cues = Captions.Cues(Enumerable.Range(0, count)
            .Select(i => (starts[i], Captions.WordsOf(context.Input(StageKind.Narration, i).ArtifactOf("narration").MediaInfoJson)))
            .ToList());
        var captionsFile = context.WorkFile("captions.ass");
        await File.WriteAllTextAsync(captionsFile, Captions.Ass(cues, style), ct);
        return timeline with { CaptionsFile = captionsFile };
    }

    /// <summary>"transition" for every cut, or "transitions": one per cut (scene 2 onwards); "transitionSeconds" 0–1.</summary>
    private static List<Transition> Transitions(StageContext context, int count)
    {
        var seconds = context.Number("transitionSeconds", 0.3, 0, 1);
        var all = context.Text("transition", "fade");
        var perCut = context.Parameters["transitions"] as JsonArray;
        var list = new List<Transition> { Transition.Cut };
        for (var i = 1; i < count; i++)
        {
            var kind = perCut is not null && i - 1 < perCut.Count && perCut[i - 1]?.GetValue<string>() is { } k ? k : all;
            if (!Transition.Kinds.Contains(kind))
            {
                throw new PermanentStageException($"Transition '{kind}' is unknown; use one of {string.Join(", ", Transition.Kinds)}.");
            }
            list.Add(kind == "cut" ? Transition.Cut : new Transition(kind, seconds));
        }
        return list;
    }

    internal static double NarrationSeconds(string? mediaInfoJson)
    {
        if (mediaInfoJson is null)
        {
            return 0;
        }
        using var doc = JsonDocument.Parse(mediaInfoJson);
        return doc.RootElement.TryGetProperty("seconds", out var s) ? s.GetDouble() : 0;
    }
}
