using System.Text.Json;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script.Models;
using ViralForge.Core.Script.Prompts;

namespace ViralForge.Core.Script;

/// <summary>
/// The video's script: the creator's own, validated and frozen; or, for a brief (parameter
/// mode=generate), written by the script model and left for the creator to check before the
/// other stages run (unless the request says autoContinue).
/// </summary>
public sealed class ScriptStage(ScriptWriter writer) : IStageHandler
{
    public const string ArtifactKind = "script";

    public StageKind Stage => StageKind.Script;
    public int Version => 2;

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        return ScriptRequest.IsGenerate(context.Parameters)
            ? await GenerateAsync(context, ct)
            : await FreezeAsync(context, ct);
    }

    private static async Task<StageOutcome> FreezeAsync(StageContext context, CancellationToken ct)
    {
        var errors = ScriptValidator.Validate(context.Script);
        if (errors.Count > 0)
        {
            throw new PermanentStageException("The script is invalid: " + string.Join(" ", errors));
        }
        var path = context.WorkFile("script.json");
        await File.WriteAllTextAsync(path, context.Script.ToJson(), ct);
        return StageOutcome.Produced(new ProducedFile(ArtifactKind, path, "application/json", JsonSerializer.Serialize(ScriptProvenance.Manual, ScriptDocument.Json)));
    }

    private async Task<StageOutcome> GenerateAsync(StageContext context, CancellationToken ct)
    {
        ScriptRequest request;
        try
        {
            request = ScriptRequest.FromParameters(context.Parameters);
        }
        catch (FormatException ex)
        {
            throw new PermanentStageException(ex.Message);
        }
        ScriptDraft draft;
        try
        {
            draft = await writer.WriteAsync(request, null, message => context.Detail(0.1, message, newPhase: true), ct);
        }
        catch (ScriptModelUnavailableException ex)
        {
            throw new TransientStageException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is ScriptModelConfigurationException or PromptException or ScriptRejectedException)
        {
            throw new PermanentStageException(ex.Message, ex);
        }
        var path = context.WorkFile("script.json");
        await File.WriteAllTextAsync(path, draft.Script.ToJson(), ct);
        var file = new ProducedFile(ArtifactKind, path, "application/json", JsonSerializer.Serialize(draft.Provenance, ScriptDocument.Json));
        return new StageOutcome([file], AwaitsPerson: !request.AutoContinue) { Script = draft.Script };
    }
}
