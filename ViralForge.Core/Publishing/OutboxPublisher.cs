using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Publishing;

/// <summary>
/// The approved MP4 and a JSON sidecar in the outbox folder, written atomically and named by video,
/// so publishing twice replaces rather than duplicates.
/// </summary>
public sealed partial class OutboxPublisher(IOptions<StorageOptions> options, TimeProvider time) : IPublisher
{
    public ChannelPlatform Platform => ChannelPlatform.Outbox;

    public async Task<PublishResult> PublishAsync(PublishJob job, CancellationToken ct)
    {
        var outbox = Path.GetFullPath(ChannelSettings.Text(job.Channel, "folder") ?? options.Value.OutboxPath);
        Directory.CreateDirectory(outbox);
        var name = $"{Slug(job.Metadata.Title)}-{job.Publication.VideoId.ToString("N")[..8]}";
        var sidecar = job.Metadata.Describe(job);
        sidecar["file"] = name + ".mp4";
        sidecar["sha256"] = job.VideoSha256;
        sidecar["bytes"] = job.VideoBytes;
        sidecar["publishedAt"] = time.GetUtcNow();
        var mp4 = Path.Combine(outbox, name + ".mp4");
        var json = Path.Combine(outbox, name + ".json");
        await CopyAtomicallyAsync(job.VideoPath, mp4, job.Progress, ct);
        var temp = json + ".part";
        await File.WriteAllTextAsync(temp, sidecar.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
        File.Move(temp, json, overwrite: true);
        return new PublishResult(name, mp4);
    }

    private static async Task CopyAtomicallyAsync(string source, string target, IProgress<double> progress, CancellationToken ct)
    {
        var temp = target + ".part";
        await using (var input = File.OpenRead(source))
        await using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await input.CopyToAsync(output, ct);
            output.Flush(flushToDisk: true);
        }
        File.Move(temp, target, overwrite: true);
        progress.Report(1);
    }

    public static string Slug(string title)
    {
        var slug = NonSlug().Replace(title.ToLowerInvariant(), "-").Trim('-');
        return slug.Length == 0 ? "video" : slug[..Math.Min(60, slug.Length)].TrimEnd('-');
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlug();
}
