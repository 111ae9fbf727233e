using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ViralForge.Core.Media;

public sealed record VideoEncoder(string Name, IReadOnlyList<string> Arguments, string Reason)
{
    public bool IsHardware => Name.EndsWith("_nvenc", StringComparison.Ordinal);
}

/// <summary>
/// Probes the ffmpeg build once and picks the H.264 encoder: NVENC when it is listed and a real test
/// encode works, otherwise libx264. Both are quality-based (CQ / CRF), never a fixed bitrate. The
/// choice and its reason are reported, never silent.
/// </summary>
public sealed class EncoderSelector(Ffmpeg ffmpeg, ILogger<EncoderSelector> log)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private VideoEncoder? _chosen;
    private VideoEncoder? _intermediate;

    public async Task<VideoEncoder> GetAsync(CancellationToken ct)
    {
        if (_chosen is not null)
        {
            return _chosen;
        }
        await _gate.WaitAsync(ct);
        try
        {
            return _chosen ??= await ChooseAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The encoder for scene clips, which only the final encode reads: libx264 at the intermediate preset
    /// and the same CRF (NVENC is fast already and stays as it is).
    /// </summary>
    public async Task<VideoEncoder> GetIntermediateAsync(CancellationToken ct)
    {
        var final = await GetAsync(ct);
        if (final.IsHardware)
        {
            return final;
        }
        return _intermediate ??= X264(ffmpeg.Options, ffmpeg.Options.IntermediateX264Preset, final.Reason);
    }

    private async Task<VideoEncoder> ChooseAsync(CancellationToken ct)
    {
        var options = ffmpeg.Options;
        var x264 = (string reason) => X264(options, options.X264Preset, reason);
        if (options.Encoder == "libx264")
        {
            return Log(x264("libx264 chosen in configuration (Media:Encoder)."));
        }

        var list = await ProcessRunner.RunAsync(options.FfmpegPath, ["-hide_banner", "-encoders"], TimeSpan.FromSeconds(20), ct);
        if (!list.StdOut.Contains(" h264_nvenc ", StringComparison.Ordinal))
        {
            return Log(x264("This ffmpeg build has no h264_nvenc; using libx264 on the CPU."));
        }
        // Listed is not the same as usable: only a real encode proves the driver and a GPU are there.
        var test = await ProcessRunner.RunAsync(options.FfmpegPath,
            ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=256x256:r=30:d=0.2", "-c:v", "h264_nvenc", "-f", "null", "-"],
            TimeSpan.FromSeconds(30), ct);
        if (test.ExitCode != 0)
        {
            var why = test.StdErrTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {test.ExitCode}";
            return Log(x264($"h264_nvenc is in this ffmpeg build but cannot encode here ({why}); using libx264 on the CPU."));
        }
        var cq = Math.Clamp(options.Crf + 3, 0, 51).ToString(CultureInfo.InvariantCulture);
        return Log(new VideoEncoder("h264_nvenc", ["-c:v", "h264_nvenc", "-preset", "p5", "-rc", "vbr", "-cq", cq, "-b:v", "0"], "h264_nvenc works on this machine."));
    }

    private static VideoEncoder X264(Pipeline.MediaOptions options, string preset, string reason) =>
        new("libx264", ["-c:v", "libx264", "-preset", preset, "-crf", options.Crf.ToString(CultureInfo.InvariantCulture)], reason);

    private VideoEncoder Log(VideoEncoder encoder)
    {
        log.LogInformation("Video encoder: {Encoder}. {Reason}", encoder.Name, encoder.Reason);
        return encoder;
    }
}
