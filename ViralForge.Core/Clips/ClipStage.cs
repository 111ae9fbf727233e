using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Keyframes;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;

namespace ViralForge.Core.Clips;

/// <summary>
/// A scene's 2–4 s clip. With video diffusion available: several candidates from the keyframe (one
/// at a time through the GPU slot), each checked by the drift gate; the best survivor becomes "clip",
/// every candidate stays as "clip-candidate-N". With a stock provider configured ("engine": "stock",
/// the default without diffusion): footage matched to the scene, several candidates. Otherwise, or with
/// "engine": "motion": a CPU pan/zoom over the keyframe, labelled as such. An upload replaces them all.
/// </summary>
public sealed class ClipStage(Ffmpeg ffmpeg, EncoderSelector encoders, MediaNormalizer normalizer, IVideoDiffusion diffusion, DriftGate drift, IGpuSlot gpu,
    IOptions<ClipOptions> options, CandidateChoices choices, Stock.StockClips stock) : IStageHandler
{
    public const int Fps = 30;
    public const string CandidatePrefix = "clip-candidate-";
    public static readonly string[] Motions = ["zoom-in", "zoom-out", "pan-left", "pan-right"];

    public StageKind Stage => StageKind.Clips;
    public int Version => 2;

    /// <summary>
    /// The engine a run will use, with the SVD model files' stamp: installing or replacing models makes a
    /// retry generate clips instead of reusing the motion clips (or older model's clips) it made before.
    /// </summary>
    public ValueTask<string?> ExternalInputsAsync(StageRun run, ScriptDocument script, CancellationToken ct)
    {
        var parameters = JsonNode.Parse(run.ParametersJson) as JsonObject;
        if (parameters?["upload"] is not null)
        {
            return ValueTask.FromResult<string?>(null);
        }
        var status = diffusion.Status;
        var engine = StageContext.TextOf(parameters, "engine", DefaultEngine);
        return ValueTask.FromResult<string?>(engine == "svd" && status.Available ? $"{status.Engine} {status.ModelStamp}" : engine);
    }

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        if (context.Upload is not null)
        {
            return await FromUploadAsync(context, ct);
        }
        // A reviewer's pick is kept only while the scene's keyframe is the one the candidates were made from.
        var keyframeSha = context.Input(StageKind.Keyframes, context.Run.SceneIndex!.Value).ArtifactOf("keyframe").Sha256;
        if (context.Text("pick", "") is { Length: > 0 } pick
            && await choices.KeepAsync(context, pick, CandidatePrefix, "clip", ct, info => info["keyframe"]?.GetValue<string>() == keyframeSha) is { } chosen)
        {
            return chosen;
        }
        var engine = context.Text("engine", DefaultEngine);
        switch (engine)
        {
            case "stock":
                return await stock.MakeAsync(context, context.Number("durationSeconds", context.Scene.DurationSeconds, 2, 4), ct);
            case "svd" when diffusion.Status.Available:
                return await DiffuseAsync(context, ct);
            case "svd":
                throw new PermanentStageException($"Video diffusion is not available: {diffusion.Status.Description} Use \"engine\": \"motion\" for a CPU clip.");
            case "motion":
                return await MotionAsync(context, ct);
            default:
                throw new PermanentStageException($"Clip engine '{engine}' is unknown; use svd, stock or motion.");
        }
    }

    /// <summary>What a scene gets unless the creator chooses: diffusion when it is installed, else stock footage when a provider is configured, else motion.</summary>
    public string DefaultEngine => diffusion.Status.Available ? "svd" : stock.Unavailable is null ? "stock" : "motion";

    private async Task<StageOutcome> DiffuseAsync(StageContext context, CancellationToken ct)
    {
        var index = context.Run.SceneIndex!.Value;
        var seconds = context.Number("durationSeconds", context.Scene.DurationSeconds, 2, 4);
        var count = (int)context.Number("candidates", options.Value.Candidates, 1, 8);
        var baseSeed = (long)context.Number("seed", StableSeed(context.Video.Id, index), 0, long.MaxValue);
        var steps = (int)context.Number("steps", 25, 2, 150);
        var frames = (int)context.Number("frames", 14, 4, 32);
        var fps = (int)context.Number("fps", 7, 3, 30);
        var motion = (int)context.Number("motionBucket", 127, 1, 255);
        var noise = context.Number("noiseAugmentation", 0.02, 0, 1);
        var minGuidance = context.Number("minGuidance", 1.0, 0, 20);
        var maxGuidance = context.Number("maxGuidance", 3.0, 0, 20);
        var keyframe = context.Input(StageKind.Keyframes, index).PathOf("keyframe");

        var candidates = new List<(string Path, long Seed, DriftReport Drift)>();
        for (var k = 0; k < count; k++)
        {
            var seed = baseSeed + k;
            var output = context.WorkFile($"candidate-{k + 1}.mp4");
            var label = $"scene {index + 1}, candidate {k + 1}/{count}";
            context.Detail(k / (double)count, gpu.Waiting > 0 ? $"{label}: waiting for the GPU ({gpu.Waiting} ahead)" : $"{label}: waiting for the GPU", newPhase: true);
            await using (await gpu.AcquireAsync($"SVD {label}", context.Run.Id, ct))
            {
                var candidate = k;
                var stepDone = new InlineProgress(step => context.Detail((candidate + step / (double)steps) / count, $"{label}, step {step}/{steps}"));
                await diffusion.GenerateAsync(new VideoDiffusionRequest(keyframe, output, context.WorkFolder, seconds, seed, frames, steps, fps, motion, noise, minGuidance, maxGuidance),
                    stepDone, ct);
            }
            candidates.Add((output, seed, await drift.CheckAsync(output, context.WorkFolder, ct)));
        }

        var survivors = candidates.Where(c => c.Drift.Rejected is null).ToList();
        if (survivors.Count == 0)
        {
            throw new PermanentStageException($"The drift gate rejected all {count} candidates of scene {index + 1}: "
                + string.Join(" ", candidates.Select((c, k) => $"#{k + 1} (seed {c.Seed}): {c.Drift.Rejected}"))
                + " Retry with other seeds, a lower motion bucket or fewer frames.");
        }
        var best = survivors.MaxBy(c => c.Drift.Score);
        var files = new List<ProducedFile>();
        for (var k = 0; k < candidates.Count; k++)
        {
            var c = candidates[k];
            var info = new JsonObject
            {
                ["seconds"] = seconds,
                ["engine"] = diffusion.Status.Engine,
                ["candidate"] = k + 1,
                ["seed"] = c.Seed,
                ["steps"] = steps,
                ["frames"] = frames,
                ["fps"] = fps,
                ["motionBucket"] = motion,
                ["noiseAugmentation"] = noise,
                ["guidance"] = new JsonArray(minGuidance, maxGuidance),
                ["keyframe"] = context.Input(StageKind.Keyframes, index).ArtifactOf("keyframe").Sha256,
                ["chosen"] = c.Path == best.Path,
                ["chosenBy"] = "drift gate",
                ["drift"] = JsonSerializer.SerializeToNode(c.Drift, Script.ScriptDocument.Json),
            };
            files.Add(new ProducedFile($"{CandidatePrefix}{k + 1}", c.Path, "video/mp4", info.ToJsonString()));
            if (c.Path == best.Path)
            {
                files.Add(new ProducedFile("clip", c.Path, "video/mp4", info.ToJsonString()));
            }
        }
        return StageOutcome.Produced([.. files]);
    }

    /// <summary>The same scene of the same video starts from the same seed unless the creator sets one.</summary>
    private static long StableSeed(Guid video, int scene) =>
        (long)(BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(video.ToByteArray()), 0) + (uint)scene * 1000);

    /// <summary>Reports on the caller's thread: Progress&lt;T&gt; would post to the thread pool and reorder steps.</summary>
    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    private async Task<StageOutcome> MotionAsync(StageContext context, CancellationToken ct)
    {
        var index = context.Run.SceneIndex!.Value;
        var motion = context.Text("motion", Motions[index % Motions.Length]);
        if (!Motions.Contains(motion))
        {
            throw new PermanentStageException($"Motion '{motion}' is unknown; use one of {string.Join(", ", Motions)}.");
        }
        var seconds = context.Number("durationSeconds", context.Scene.DurationSeconds, 2, 4);
        var frames = (int)Math.Round(seconds * Fps);
        var keyframe = context.Input(StageKind.Keyframes, index).PathOf("keyframe");
        var output = context.WorkFile("clip.mp4");
        var (z, x, y) = Expressions(motion, frames);
        string[] args =
        [
            "-i", keyframe,
            // Upscaling first keeps zoompan's integer crop steps below a visible pixel.
            "-vf", $"scale={KeyframeStage.Width * 2}:{KeyframeStage.Height * 2},zoompan=z='{z}':x='{x}':y='{y}':d={frames}:s={KeyframeStage.Width}x{KeyframeStage.Height}:fps={Fps},format=yuv420p,setsar=1",
            "-frames:v", frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. (await encoders.GetIntermediateAsync(ct)).Arguments,
            "-pix_fmt", "yuv420p", "-r", Fps.ToString(System.Globalization.CultureInfo.InvariantCulture), "-an", "-movflags", "+faststart",
            output,
        ];
        await ffmpeg.RunAsync(args, seconds, context.Progress, ct);
        return StageOutcome.Produced(new ProducedFile("clip", output, "video/mp4", $$"""{"motion":"{{motion}}","seconds":{{Ffmpeg.Seconds(seconds)}},"engine":"cpu-motion","note":{{JsonSerializer.Serialize(diffusion.Status.Available ? "Chosen for this scene." : diffusion.Status.Description)}}}"""));
    }

    /// <summary>The creator's own video, normalised and cut to the scene's length.</summary>
    private async Task<StageOutcome> FromUploadAsync(StageContext context, CancellationToken ct)
    {
        var media = UploadedMedia.Describe(context);
        if (media.Kind != MediaKind.Video)
        {
            throw new PermanentStageException("A clip upload must be a video; upload an image as the scene's keyframe instead.");
        }
        var seconds = context.Number("durationSeconds", context.Scene.DurationSeconds, 2, 4);
        var start = context.Number("start", 0, 0, MediaInspector.MaxSeconds);
        var output = context.WorkFile("clip.mp4");
        await normalizer.NormalizeVideoAsync(context.UploadPath!, media, UploadedMedia.Fit(context, media), start, seconds, output, context.Progress, ct);
        var info = System.Text.Json.JsonSerializer.Serialize(new { seconds, start, engine = "upload" });
        return StageOutcome.Produced(new ProducedFile("clip", output, "video/mp4", info));
    }

    private static (string Z, string X, string Y) Expressions(string motion, int frames)
    {
        var f = frames.ToString(System.Globalization.CultureInfo.InvariantCulture);
        const string centreX = "iw/2-(iw/zoom/2)";
        const string centreY = "ih/2-(ih/zoom/2)";
        return motion switch
        {
            "zoom-in" => ($"1+0.15*on/{f}", centreX, centreY),
            "zoom-out" => ($"1.15-0.15*on/{f}", centreX, centreY),
            "pan-left" => ("1.12", $"(iw-iw/zoom)*(1-on/{f})", centreY),
            _ => ("1.12", $"(iw-iw/zoom)*on/{f}", centreY),
        };
    }
}
