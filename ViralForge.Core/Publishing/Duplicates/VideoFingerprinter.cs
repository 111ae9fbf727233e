using System.Globalization;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;

namespace ViralForge.Core.Publishing.Duplicates;

/// <summary>
/// Samples a video (or a picture) with ffmpeg into 32×32 frames and hashes each one. The file may be
/// one the studio did not make (the reference folder): ffmpeg may read only that local file.
/// </summary>
public sealed class VideoFingerprinter(Ffmpeg ffmpeg, IOptions<DuplicateOptions> options)
{
    private const int FrameBytes = FrameHash.Side * FrameHash.Side * 3;

    public async Task<IReadOnlyList<FrameHash>> FingerprintAsync(string path, string workFolder, CancellationToken ct)
    {
        Directory.CreateDirectory(workFolder);
        var raw = Path.Combine(workFolder, $"frames-{Guid.NewGuid():N}.rgb");
        try
        {
            var fps = options.Value.FramesPerSecond.ToString("0.###", CultureInfo.InvariantCulture);
            await ffmpeg.RunAsync(
            [
                .. Ffmpeg.UntrustedInput(path), "-an", "-sn", "-dn",
                "-vf", $"fps={fps},scale={FrameHash.Side}:{FrameHash.Side}:flags=area,format=rgb24",
                "-f", "rawvideo", raw,
            ], 0, null, ct);
            var bytes = await File.ReadAllBytesAsync(raw, ct);
            var frames = new List<FrameHash>(bytes.Length / FrameBytes);
            for (var offset = 0; offset + FrameBytes <= bytes.Length; offset += FrameBytes)
            {
                if (FrameHash.Compute(bytes.AsSpan(offset, FrameBytes)) is { } frame)
                {
                    frames.Add(frame);
                }
            }
            return frames;
        }
        finally
        {
            File.Delete(raw);
        }
    }
}
