using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Review;

/// <summary>Puts the video in front of a person; nothing is published without their approval.</summary>
public sealed class ReviewStage : IStageHandler
{
    public StageKind Stage => StageKind.Review;
    public int Version => 1;

    public Task<StageOutcome> ExecuteAsync(StageContext context, CancellationToken ct) =>
        Task.FromResult(StageOutcome.WaitForPerson);
}
