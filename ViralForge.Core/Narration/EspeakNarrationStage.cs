using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Script;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Narration;

/// <summary>
/// Speaks the scene's narration with espeak-ng (through its library, so every word's timing comes
/// with the audio), then resamples it to 48 kHz. The word timings travel with the artifact for captions.
/// </summary>
public sealed class EspeakNarrationStage(Ffmpeg ffmpeg, IDbContextFactory<ViralForgeDbContext> dbFactory) : IStageHandler
{
    public StageKind Stage => StageKind.Narration;
    public int Version => 3;

    /// <summary>The dictionary entries that change this scene's narration: editing one re-runs exactly the narrations it touches.</summary>
    public async ValueTask<string?> ExternalInputsAsync(StageRun run, ScriptDocument script, CancellationToken ct)
    {
        var voice = (JsonNode.Parse(run.ParametersJson) as JsonObject)?["voice"]?.GetValue<string>() ?? "en-us";
        var rewritten = PronunciationRewriter.Apply(script.Scenes[run.SceneIndex!.Value].Narration, voice, await DictionaryAsync(ct));
        return rewritten.Replacements.Count == 0 ? null : rewritten.Spoken;
    }

    private async Task<List<Pronunciation>> DictionaryAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Pronunciations.AsNoTracking().ToListAsync(ct);
    }

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        var voice = context.Text("voice", "en-us");
        if (voice.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '+' or '/')) || voice.Length > 64)
        {
            throw new PermanentStageException($"Voice '{voice}' is not a valid espeak-ng voice name.");
        }
        var rate = (int)context.Number("rate", 165, 80, 450);
        var pitch = (int)context.Number("pitch", 50, 0, 99);
        SpokenText spoken;
        try
        {
            var rewritten = PronunciationRewriter.Apply(context.Scene.Narration, voice, await DictionaryAsync(ct));
            spoken = await EspeakLibrary.SpeakAsync(rewritten, voice, rate, pitch, ct);
        }
        catch (ArgumentException ex)
        {
            throw new PermanentStageException($"{ex.Message.Split(" (Parameter")[0]} Pick an installed voice (espeak-ng --voices).");
        }
        if (spoken.Samples.Length == 0)
        {
            throw new PermanentStageException("espeak-ng produced no sound for this narration; check the text.");
        }
        context.Progress.Report(0.5);
        var raw = context.WorkFile("raw.wav");
        await EspeakLibrary.WriteWavAsync(raw, spoken, ct);
        var output = context.WorkFile("narration.wav");
        await ffmpeg.RunAsync(["-i", raw, "-ar", "48000", "-ac", "1", "-c:a", "pcm_s16le", output], 0, null, ct);
        var info = JsonSerializer.Serialize(new
        {
            seconds = Math.Round(spoken.Seconds, 3),
            voice,
            rate,
            pitch,
            engine = "espeak-ng",
            words = spoken.Words.Select(w => new { word = w.Word, start = w.Start, end = w.End }),
        });
        return StageOutcome.Produced(new ProducedFile("narration", output, "audio/wav", info));
    }
}
