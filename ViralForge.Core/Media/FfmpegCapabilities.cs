using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ViralForge.Core.Media;

public sealed record FfmpegReport(string Version, IReadOnlyList<string> MissingFilters, IReadOnlyList<string> Hwaccels, VideoEncoder Encoder)
{
    public bool Usable => MissingFilters.Count == 0;
}

/// <summary>
/// Probes the ffmpeg build once at start-up: its version, the filters the pipeline needs, its
/// hardware accelerators, and the encoder to use. Missing pieces are reported, not discovered mid-render.
/// </summary>
public sealed class FfmpegCapabilities(Ffmpeg ffmpeg, EncoderSelector encoders, ILogger<FfmpegCapabilities> log) : BackgroundService
{
    public static readonly string[] RequiredFilters =
        ["zoompan", "gradients", "drawtext", "xfade", "tpad", "loudnorm", "sidechaincompress", "amix", "adelay", "subtitles", "boxblur", "scale", "fps"];

    private readonly TaskCompletionSource<FfmpegReport> _report = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FfmpegReport? Report => _report.Task.IsCompletedSuccessfully ? _report.Task.Result : null;

    public Task<FfmpegReport> WaitAsync(CancellationToken ct) => _report.Task.WaitAsync(ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var path = ffmpeg.Options.FfmpegPath;
            var version = await ProcessRunner.RunAsync(path, ["-hide_banner", "-version"], TimeSpan.FromSeconds(20), stoppingToken);
            var filters = await ProcessRunner.RunAsync(path, ["-hide_banner", "-filters"], TimeSpan.FromSeconds(20), stoppingToken);
            var hwaccels = await ProcessRunner.RunAsync(path, ["-hide_banner", "-hwaccels"], TimeSpan.FromSeconds(20), stoppingToken);
            var available = filters.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length >= 2)
                .Select(p => p[1])
                .ToHashSet();
            var report = new FfmpegReport(
                version.StdOut.Split('\n')[0].Trim(),
                RequiredFilters.Where(f => !available.Contains(f)).ToList(),
                hwaccels.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).ToList(),
                await encoders.GetAsync(stoppingToken));
            if (!report.Usable)
            {
                log.LogError("ffmpeg lacks filters the pipeline needs: {Missing}. Install Debian's ffmpeg (scripts/run does).", string.Join(", ", report.MissingFilters));
            }
            log.LogInformation("{Version}; hwaccels: {Hwaccels}; encoder: {Encoder}.", report.Version, string.Join(", ", report.Hwaccels), report.Encoder.Name);
            _report.TrySetResult(report);
        }
        catch (Exception ex) when (ex is ExternalToolException or OperationCanceledException)
        {
            _report.TrySetException(ex);
            log.LogError("ffmpeg could not be probed: {Message}", ex.Message);
        }
    }
}
