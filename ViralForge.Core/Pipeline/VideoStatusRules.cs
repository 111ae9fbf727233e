using ViralForge.Core.Data;

namespace ViralForge.Core.Pipeline;

public static class VideoStatusRules
{
    /// <summary>The video's status as its live (not superseded) stage runs say it is.</summary>
    public static VideoStatus From(IEnumerable<StageRun> liveRuns)
    {
        var runs = liveRuns.Where(r => r.SupersededAt is null).ToList();
        StageRun? Of(StageKind s) => runs.FirstOrDefault(r => r.Stage == s);
        if (runs.Any(r => r.Status == StageRunStatus.DeadLettered))
        {
            return VideoStatus.Failed;
        }
        if (Of(StageKind.Script)?.Status == StageRunStatus.Waiting)
        {
            return VideoStatus.ScriptDraft;
        }
        if (Of(StageKind.Publish) is { } publish)
        {
            // Held by the near-duplicate gate: back in front of a reviewer. Published is set by the first
            // publication that goes live, not by the gate.
            return publish.Status switch
            {
                StageRunStatus.Waiting => VideoStatus.AwaitingReview,
                StageRunStatus.Rejected => VideoStatus.Rejected,
                _ => VideoStatus.Approved,
            };
        }
        return Of(StageKind.Review)?.Status switch
        {
            StageRunStatus.Waiting => VideoStatus.AwaitingReview,
            StageRunStatus.Rejected => VideoStatus.Rejected,
            _ => VideoStatus.InProgress,
        };
    }
}
