using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Publishing;

/// <summary>
/// The default publisher: the approved MP4 and a JSON sidecar in an outbox folder, written
/// atomically and named by video, so publishing twice replaces rather than duplicates.
/// </summary>
public sealed partial class OutboxPublishStage(IOptions<StorageOptions> options, TimeProvider time) : IStageHandler
{
    public StageKind Stage => StageKind.Publish;
    public int Version => 1;

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        var outbox = Path.GetFullPath(options.Value.OutboxPath);
        Directory.CreateDirectory(outbox);
        var final = context.Input(StageKind.Compose).ArtifactOf("final");
        var source = context.Input(StageKind.Compose).PathOf("final");
        var name = $"{Slug(context.Script.Title)}-{context.Video.Id.ToString("N")[..8]}";
        var script = context.Script;
        var sidecar = new
        {
            videoId = context.Video.Id,
            title = script.Title,
            description = string.Join("\n\n", new[] { script.Hook, script.CaptionText, script.CallToAction }.Where(s => !string.IsNullOrWhiteSpace(s))),
            hashtags = script.Hashtags.Select(h => h.StartsWith('#') ? h : "#" + h).ToList(),
            aiGenerated = true,
            aiDisclosure = "This video was made with AI (script, images, motion and voice).",
            file = name + ".mp4",
            sha256 = final.Sha256,
            bytes = final.Bytes,
            publishedAt = time.GetUtcNow(),
        };
        var mp4 = Path.Combine(outbox, name + ".mp4");
        var json = Path.Combine(outbox, name + ".json");
        await CopyAtomicallyAsync(source, mp4, ct);
        var receipt = context.WorkFile("publish.json");
        await File.WriteAllTextAsync(receipt, JsonSerializer.Serialize(sidecar, new JsonSerializerOptions { WriteIndented = true }), ct);
        await CopyAtomicallyAsync(receipt, json, ct);
        return StageOutcome.Produced(new ProducedFile("publish-receipt", receipt, "application/json",
            JsonSerializer.Serialize(new { location = mp4, sidecar = json })));
    }

    private static async Task CopyAtomicallyAsync(string source, string target, CancellationToken ct)
    {
        var temp = target + ".part";
        await using (var input = File.OpenRead(source))
        await using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await input.CopyToAsync(output, ct);
            output.Flush(flushToDisk: true);
        }
        File.Move(temp, target, overwrite: true);
    }

    public static string Slug(string title)
    {
        var slug = NonSlug().Replace(title.ToLowerInvariant(), "-").Trim('-');
        return slug.Length == 0 ? "video" : slug[..Math.Min(60, slug.Length)].TrimEnd('-');
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlug();
}
