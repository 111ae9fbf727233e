using System.Text.Json.Nodes;
using ViralForge.Core.Data;
using ViralForge.Core.Script;

namespace ViralForge.Core.Pipeline;

/// <summary>One stage's work. Handlers get their inputs through the context and write no database state; the pipeline records outcomes.</summary>
public interface IStageHandler
{
    StageKind Stage { get; }

    /// <summary>Bump when the handler's output for the same inputs changes; it is part of the input hash.</summary>
    int Version { get; }

    Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct);

    /// <summary>Inputs that live outside artifacts (an admin-edited dictionary, say); part of the input hash.</summary>
    ValueTask<string?> ExternalInputsAsync(StageRun run, ScriptDocument script, CancellationToken ct) => ValueTask.FromResult<string?>(null);
}

public sealed record StageInput(StageKind Stage, int? SceneIndex, IReadOnlyList<Artifact> Artifacts, string ArtifactsRoot)
{
    public Artifact ArtifactOf(string kind) =>
        Artifacts.FirstOrDefault(a => a.Kind == kind)
        ?? throw new PermanentStageException($"The {Stage} output for {(SceneIndex is { } s ? $"scene {s + 1}" : "the video")} has no '{kind}' artifact.");

    public string PathOf(string kind) => Path.Combine(ArtifactsRoot, ArtifactOf(kind).StoreKey);
}

public sealed class StageContext
{
    public required StageRun Run { get; init; }
    public required Video Video { get; init; }
    public required ScriptDocument Script { get; init; }
    public required JsonObject Parameters { get; init; }
    public required IReadOnlyList<StageInput> Inputs { get; init; }
    public required string WorkFolder { get; init; }
    public required IProgress<double> Progress { get; init; }

    /// <summary>The creator's own file for this run (parameter "upload"), if any.</summary>
    public Artifact? Upload { get; init; }

    public string? UploadPath { get; init; }

    public SceneScript Scene => Run.SceneIndex is { } i
        ? Script.Scenes[i]
        : throw new InvalidOperationException($"{Run.Stage} is not a per-scene stage.");

    public StageInput Input(StageKind stage, int? scene = null) =>
        Inputs.FirstOrDefault(i => i.Stage == stage && i.SceneIndex == scene)
        ?? throw new PermanentStageException($"Missing input from {stage}{(scene is { } s ? $" scene {s + 1}" : "")}.");

    public string WorkFile(string name) => Path.Combine(WorkFolder, name);

    /// <summary>
    /// Progress with words for the people watching ("scene 3, candidate 2, step 14/25"). A new phase
    /// ("waiting for the GPU") is shown at once; updates within a phase are throttled like any progress.
    /// </summary>
    public void Detail(double fraction, string message, bool newPhase = false)
    {
        if (Progress is IDetailedProgress detailed)
        {
            detailed.Report(fraction, message, newPhase);
        }
        else
        {
            Progress.Report(fraction);
        }
    }

    public string Text(string name, string fallback) => TextOf(Parameters, name, fallback);

    /// <summary>A text parameter of a run's parameters as <see cref="Text"/> reads it, for work done before a context exists.</summary>
    public static string TextOf(JsonObject? parameters, string name, string fallback) =>
        parameters?[name] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s : fallback;

    public double Number(string name, double fallback, double min, double max)
    {
        if (Parameters[name] is not JsonValue v)
        {
            return fallback;
        }
        if (v.TryGetValue<double>(out var d) || (v.TryGetValue<string>(out var s) && double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out d)))
        {
            if (d < min || d > max || double.IsNaN(d))
            {
                throw new PermanentStageException($"Parameter '{name}' is {d}; it must be between {min} and {max}.");
            }
            return d;
        }
        throw new PermanentStageException($"Parameter '{name}' must be a number.");
    }
}

public interface IDetailedProgress
{
    void Report(double fraction, string message, bool newPhase);
}

public sealed record ProducedFile(string Kind, string Path, string ContentType, string? MediaInfoJson = null);

public sealed record StageOutcome(IReadOnlyList<ProducedFile> Files, bool AwaitsPerson = false)
{
    /// <summary>The video's script as this run leaves it (the Script stage writing one from a brief).</summary>
    public ScriptDocument? Script { get; init; }

    /// <summary>Why a person is needed (a held video's reason), shown with the run.</summary>
    public string? Note { get; init; }

    public static StageOutcome Produced(params ProducedFile[] files) => new(files);
    public static readonly StageOutcome WaitForPerson = new([], AwaitsPerson: true);
}
