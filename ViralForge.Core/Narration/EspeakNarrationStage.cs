using System.Globalization;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Narration;

/// <summary>Speaks the scene's narration with espeak-ng, then resamples it to 48 kHz.</summary>
public sealed class EspeakNarrationStage(Ffmpeg ffmpeg, IOptions<MediaOptions> options) : IStageHandler
{
    public StageKind Stage => StageKind.Narration;
    public int Version => 1;

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        var voice = context.Text("voice", "en-us");
        if (voice.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '+' or '/')) || voice.Length > 64)
        {
            throw new PermanentStageException($"Voice '{voice}' is not a valid espeak-ng voice name.");
        }
        var rate = (int)context.Number("rate", 165, 80, 450);
        var pitch = (int)context.Number("pitch", 50, 0, 99);
        var textFile = context.WorkFile("narration.txt");
        await File.WriteAllTextAsync(textFile, context.Scene.Narration, ct);
        var raw = context.WorkFile("raw.wav");
        var result = await ProcessRunner.RunAsync(
            options.Value.EspeakPath,
            ["-v", voice, "-s", rate.ToString(CultureInfo.InvariantCulture), "-p", pitch.ToString(CultureInfo.InvariantCulture), "-w", raw, "-f", textFile],
            TimeSpan.FromSeconds(options.Value.ProcessTimeoutSeconds), ct);
        if (result.ExitCode != 0 || !File.Exists(raw))
        {
            var why = result.StdErrTail.Trim();
            if (why.Contains("voice", StringComparison.OrdinalIgnoreCase))
            {
                throw new PermanentStageException($"espeak-ng has no voice '{voice}' ({why}). Pick an installed voice (espeak-ng --voices).");
            }
            throw new ExternalToolException("espeak-ng", $"espeak-ng failed with exit code {result.ExitCode}: {why}", result.StdErrTail);
        }
        context.Progress.Report(0.5);
        var output = context.WorkFile("narration.wav");
        await ffmpeg.RunAsync(["-i", raw, "-ar", "48000", "-ac", "1", "-c:a", "pcm_s16le", output], 0, null, ct);
        var probe = await ffmpeg.ProbeAsync(output, ct);
        var seconds = probe.Duration.TotalSeconds;
        return StageOutcome.Produced(new ProducedFile("narration", output, "audio/wav",
            $$"""{"seconds":{{Ffmpeg.Seconds(seconds)}},"voice":"{{voice}}","rate":{{rate}},"pitch":{{pitch}},"engine":"espeak-ng"}"""));
    }
}
