using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Script;

/// <summary>The creator's script, validated against the schema and frozen as the video's first artifact.</summary>
public sealed class ScriptStage : IStageHandler
{
    public StageKind Stage => StageKind.Script;
    public int Version => 1;

    public async Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct)
    {
        var errors = ScriptValidator.Validate(context.Script);
        if (errors.Count > 0)
        {
            throw new PermanentStageException("The script is invalid: " + string.Join(" ", errors));
        }
        var path = context.WorkFile("script.json");
        await File.WriteAllTextAsync(path, context.Script.ToJson(), ct);
        return StageOutcome.Produced(new ProducedFile("script", path, "application/json"));
    }
}
