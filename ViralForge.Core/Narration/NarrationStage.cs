using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Narration.Alignment;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;

namespace ViralForge.Core.Narration;

/// <summary>
/// Speaks a scene's narration several times (candidates differ slightly in rate and pitch, or in a
/// Piper voice's noise), scores each, keeps the best as "narration" and every candidate as
/// "narration-candidate-N" so a reviewer can hear them side by side and choose another ("pick").
/// Each is brought to one loudness and resampled to 48 kHz; word timings travel with the artifact.
/// </summary>
public sealed class NarrationStage(
    Ffmpeg ffmpeg, IDbContextFactory<ViralForgeDbContext> dbFactory, VoiceCatalog voices, CandidateChoices choices, IOptions<MediaOptions> media,
    IWordAligner aligner) : IStageHandler
{
    public const string CandidatePrefix = "narration-candidate-";
    private const double MaxGainDb = 30;

    public StageKind Stage => StageKind.Narration;
    // 5: timings of engines without word times are aligned where an aligner speaks the language.
    public int Version => 5;

    /// <summary>
    /// The dictionary entries that change this scene's narration (editing one re-runs exactly the narrations
    /// it touches) and the voice's model files (replacing a voice re-runs what it spoke).
    /// </summary>
    public async ValueTask<string?> ExternalInputsAsync(StageRun run, ScriptDocument script, CancellationToken ct)
    {
        var voice = StageContext.TextOf(JsonNode.Parse(run.ParametersJson) as JsonObject, "voice", "en-us");
        string language;
        string? model;
        try
        {
            var engine = voices.EngineFor(voice);
            language = await engine.LanguageOfAsync(voice, ct);
            model = engine.ModelStamp(voice);
        }
        catch (ArgumentException)
        {
            return null; // the run itself reports the unknown voice
        }
        var rewritten = PronunciationRewriter.Apply(NarrationMarkup.Plain(script.Scenes[run.SceneIndex!.Value].Narration), language, await DictionaryAsync(ct));
        var spoken = rewritten.Replacements.Count == 0 ? null : rewritten.Spoken;
        return spoken is null && model is null ? null : JsonSerializer.Serialize(new { spoken, model });
    }

    private async Task<List<Pronunciation>> DictionaryAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Pronunciations.AsNoTracking().ToListAsync(ct);
    }

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        // A reviewer's pick is kept only while the scene says the same words.
        if (context.Text("pick", "") is { Length: > 0 } pick
            && await choices.KeepAsync(context, pick, CandidatePrefix, "narration", ct, info => info["text"]?.GetValue<string>() == context.Scene.Narration) is { } chosen)
        {
            return chosen;
        }

        var voice = context.Text("voice", "en-us");
        var rate = (int)context.Number("rate", 165, 80, 450);
        var pitch = (int)context.Number("pitch", 50, 0, 99);
        var volume = context.Number("volume", 0, -12, 12);
        var count = (int)context.Number("candidates", media.Value.NarrationCandidates, 1, 5);

        IReadOnlyList<NarrationSegment> segments;
        try
        {
            segments = NarrationMarkup.Parse(context.Scene.Narration);
        }
        catch (FormatException ex)
        {
            throw new PermanentStageException($"Scene {context.Run.SceneIndex + 1} narration: {ex.Message}");
        }
        ISpeechEngine engine;
        string language;
        try
        {
            engine = voices.EngineFor(voice);
            language = await engine.LanguageOfAsync(voice, ct);
        }
        catch (ArgumentException ex)
        {
            throw new PermanentStageException($"{Reason(ex)} Pick a voice listed on the New video page.");
        }

        var dictionary = await DictionaryAsync(ct);
        var words = NarrationMarkup.Plain(context.Scene.Narration).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var pauses = segments.OfType<Pause>().Select(p => p.Seconds).ToList();
        var candidates = new List<(SpokenText Spoken, NarrationScore Score)>();
        for (var k = 0; k < count; k++)
        {
            SpokenText spoken;
            try
            {
                spoken = await NarrationSynthesizer.SpeakAsync(engine, segments, dictionary, language, new SpeechStyle(voice, rate, pitch, false, k), ct, aligner);
            }
            catch (ArgumentException ex)
            {
                throw new PermanentStageException($"{Reason(ex)} Pick a voice listed on the New video page.");
            }
            if (spoken.Samples.Length == 0)
            {
                throw new PermanentStageException($"{engine.Name} produced no sound for this narration; check the text.");
            }
            var score = NarrationScorer.Score(spoken.Samples, spoken.SampleRate, words, context.Scene.DurationSeconds, pauses.Sum(), pauses.DefaultIfEmpty(0).Max());
            candidates.Add((spoken, score));
            context.Progress.Report(0.8 * (k + 1) / count);
        }
        var best = candidates.IndexOf(candidates.MaxBy(c => c.Score.Total));

        var files = new List<ProducedFile>();
        for (var k = 0; k < candidates.Count; k++)
        {
            var (spoken, score) = candidates[k];
            var output = await NormaliseAsync(context, spoken, score.LoudnessLufs, volume, k, ct);
            var info = new JsonObject
            {
                ["seconds"] = Math.Round(spoken.Seconds, 3),
                ["voice"] = voice,
                ["engine"] = engine.Name,
                ["rate"] = rate,
                ["pitch"] = pitch,
                ["volume"] = volume,
                ["text"] = context.Scene.Narration,
                ["candidate"] = k + 1,
                ["chosen"] = k == best,
                ["chosenBy"] = "score",
                ["score"] = JsonSerializer.SerializeToNode(score, ScriptDocument.Json),
                ["words"] = JsonSerializer.SerializeToNode(spoken.Words.Select(w => new { word = w.Word, start = w.Start, end = w.End })),
                // espeak-ng times each word itself; other engines' times are aligned against the sound
                // where an aligner speaks the language, else spread by word length.
                ["timings"] = spoken.Estimated ? "estimated" : spoken.Aligned ? "aligned" : "measured",
            };
            if (spoken.Estimated)
            {
                info["timingsNote"] = aligner.WhyEstimated(language);
            }
            files.Add(new ProducedFile($"{CandidatePrefix}{k + 1}", output, "audio/wav", info.ToJsonString()));
            if (k == best)
            {
                files.Add(new ProducedFile("narration", output, "audio/wav", info.ToJsonString()));
            }
        }
        return StageOutcome.Produced([.. files]);
    }

    /// <summary>Brings a candidate to the configured loudness (plus the creator's volume), never past −1 dBFS, at 48 kHz.</summary>
    private async Task<string> NormaliseAsync(StageContext context, SpokenText spoken, double measuredLufs, double volume, int k, CancellationToken ct)
    {
        var raw = context.WorkFile($"raw-{k + 1}.wav");
        await EspeakLibrary.WriteWavAsync(raw, spoken, ct);
        var peak = spoken.Samples.Length == 0 ? 1 : spoken.Samples.Max(s => Math.Abs((int)s)) / 32768.0;
        var peakDb = 20 * Math.Log10(Math.Max(peak, 1e-6));
        var gain = Math.Min(media.Value.NarrationLoudnessLufs - measuredLufs + volume, -1 - peakDb);
        gain = Math.Clamp(gain, -MaxGainDb, MaxGainDb);
        var output = context.WorkFile($"narration-{k + 1}.wav");
        await ffmpeg.RunAsync(["-i", raw, "-af", $"volume={gain.ToString("0.00", CultureInfo.InvariantCulture)}dB", "-ar", "48000", "-ac", "1", "-c:a", "pcm_s16le", output], 0, null, ct);
        return output;
    }

    private static string Reason(ArgumentException ex) => ex.Message.Split(" (Parameter", StringSplitOptions.None)[0];
}
