using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Script.Models;
using ViralForge.Core.Script.Prompts;

namespace ViralForge.Core.Script;

/// <summary>One answer the model gave and what was wrong with it.</summary>
public sealed record ScriptAttempt(int Number, string Answer, IReadOnlyList<string> Problems, double Seconds);

/// <summary>Where a script came from: recorded with it, shown with it.</summary>
public sealed record ScriptProvenance(
    string Source,
    string? Provider,
    string? Model,
    string? Template,
    int? PromptVersionId,
    int? PromptVersion,
    long? Seed,
    IReadOnlyList<ScriptAttempt> Attempts)
{
    public static readonly ScriptProvenance Manual = new("manual", null, null, null, null, null, null, []);
}

public sealed record ScriptDraft(ScriptDocument Script, ScriptProvenance Provenance);

/// <summary>The model's answers failed the checks every time; the attempts say why.</summary>
public sealed class ScriptRejectedException(string message, IReadOnlyList<ScriptAttempt> attempts) : Exception(message)
{
    public IReadOnlyList<ScriptAttempt> Attempts { get; } = attempts;
}

/// <summary>
/// Writes a script with the configured model from a prompt version: renders the prompt, asks,
/// checks the answer, and on failure asks again with the problems fed back, a bounded number of times.
/// </summary>
public sealed class ScriptWriter(ScriptModels models, PromptLibrary prompts, IOptions<ScriptModelOptions> options, ILogger<ScriptWriter> log)
{
    private readonly ScriptModelOptions _options = options.Value;

    public bool IsAvailable => models.Current is not null;

    public string Unavailable => models.Problem;

    /// <summary>Writes with the template's active version, or with <paramref name="versionId"/> when an admin tries one out.</summary>
    public async Task<ScriptDraft> WriteAsync(ScriptRequest request, int? versionId, Action<string>? report, CancellationToken ct)
    {
        var model = models.Current ?? throw new ScriptModelConfigurationException(models.Problem);
        var requestErrors = request.Validate(capTopic: true);
        if (requestErrors.Count > 0)
        {
            throw new PromptException(string.Join(" ", requestErrors));
        }
        var (template, version) = versionId is { } id ? await prompts.VersionAsync(id, ct) : await prompts.ActiveAsync(request.Template, ct);
        var banned = ScriptChecks.ParseBannedPhrases(version.BannedPhrases);
        var seed = request.Seed ?? Random.Shared.NextInt64(1, int.MaxValue);
        var messages = ScriptPrompt.Render(version, request, _options.WordsPerMinute);
        var attempts = new List<ScriptAttempt>();
        var modelName = model.Name;
        for (var attempt = 1; attempt <= _options.FeedbackRetries + 1; attempt++)
        {
            report?.Invoke(attempt == 1 ? $"writing with {model.Name}" : $"rewriting, attempt {attempt} of {_options.FeedbackRetries + 1}");
            var started = System.Diagnostics.Stopwatch.StartNew();
            var answer = await model.CompleteAsync(messages, new ScriptModelSettings(seed + attempt - 1, _options.Temperature, _options.MaxOutputTokens), ct);
            modelName = answer.Model;
            var result = ScriptChecks.Check(answer.Text, request, banned, _options.WordsPerMinute);
            attempts.Add(new ScriptAttempt(attempt, Excerpt(answer.Text), result.Problems, Math.Round(started.Elapsed.TotalSeconds, 2)));
            if (result.Passed)
            {
                return new ScriptDraft(result.Script!, new ScriptProvenance("model", model.Provider, modelName, template.Name, version.Id, version.Number, seed, attempts));
            }
            log.LogInformation("Script attempt {Attempt} from {Model} rejected: {Count} problems.", attempt, modelName, result.Problems.Count);
            messages = ScriptPrompt.WithFeedback(messages, answer.Text, result.Problems);
        }
        var last = attempts[^1];
        throw new ScriptRejectedException(
            $"The model ({modelName}, prompt '{template.Name}' v{version.Number}) did not write a valid script in {attempts.Count} attempts. Last problems: {string.Join(" ", last.Problems.Take(5))} Change the topic or the prompt, or write the script by hand.",
            attempts);
    }

    private static string Excerpt(string answer) => answer.Length <= 4000 ? answer : answer[..4000] + "…";
}
