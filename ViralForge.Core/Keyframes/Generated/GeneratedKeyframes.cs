using System.Text.Json.Nodes;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Keyframes.Generated;

/// <summary>
/// A scene's keyframe drawn by the text-to-image model from the scene's visual idea and the video's
/// style, several candidates (one seed each) through the GPU slot, the first chosen; a reviewer can
/// choose another as with stock photos.
/// </summary>
public sealed class GeneratedKeyframes(ITextToImage model, IGpuSlot gpu)
{
    public const string DefaultStyle = "vertical photo, cinematic lighting, sharp focus, rich detail";

    public string? Unavailable => model.Status.Available ? null : model.Status.Description;

    public string? ModelStamp => model.Status.ModelStamp;

    public static string PromptFor(StageContext context)
    {
        var scene = context.Scene;
        var idea = string.IsNullOrWhiteSpace(scene.Visual) ? scene.Narration : scene.Visual;
        var style = context.Text("style", DefaultStyle).Trim();
        return style.Length == 0 ? idea.Trim() : $"{idea.Trim()}, {style}";
    }

    public async Task<StageOutcome> MakeAsync(StageContext context, CancellationToken ct)
    {
        if (Unavailable is { } missing)
        {
            throw new PermanentStageException($"{missing} Use \"source\": \"photo\" or \"card\", or upload a picture for this scene.");
        }
        var index = context.Run.SceneIndex!.Value;
        var prompt = PromptFor(context);
        var count = (int)context.Number("candidates", 2, 1, 6);
        var steps = (int)context.Number("steps", 1, 1, 4);
        // A seed per video and scene unless the creator gives one, so a retry redraws the same pictures.
        var seed = (long)context.Number("seed", (long)(BitConverter.ToUInt64(context.Video.Id.ToByteArray()) % 1_000_000_000UL) + index * 7919L, 0, 9e15);
        var files = new List<ProducedFile>();
        await using (await gpu.AcquireAsync($"text-to-image scene {index + 1}", context.Run.Id, ct))
        {
            for (var k = 0; k < count; k++)
            {
                context.Detail(k / (double)count, $"scene {index + 1}: drawing picture {k + 1}/{count}", newPhase: k == 0);
                var output = context.WorkFile($"keyframe-{k + 1}.png");
                await model.GenerateAsync(new TextToImageRequest(prompt, seed + k, steps, output, context.WorkFolder), ct);
                var info = new JsonObject
                {
                    ["source"] = "generated",
                    ["engine"] = model.Status.Engine,
                    ["candidate"] = k + 1,
                    ["prompt"] = prompt,
                    ["seed"] = seed + k,
                    ["steps"] = steps,
                    ["chosen"] = k == 0,
                    ["chosenBy"] = "first seed",
                };
                files.Add(new ProducedFile($"{Stock.StockPhotoKeyframes.CandidatePrefix}{k + 1}", output, "image/png", info.ToJsonString()));
                if (k == 0)
                {
                    files.Add(new ProducedFile("keyframe", output, "image/png", info.ToJsonString()));
                }
            }
        }
        return StageOutcome.Produced([.. files]);
    }
}
