using System.Text.Json.Nodes;
using ViralForge.Core.Clips;
using ViralForge.Core.Data;

namespace ViralForge.Core.Pipeline;

/// <summary>
/// The Hangfire queue a run goes to. A scene's clip is GPU work only when video diffusion makes it:
/// stock footage, a pan/zoom and an upload are FFmpeg work, so they go to the media queue beside the
/// narrations instead of waiting in line, one at a time, behind the one GPU worker.
/// </summary>
public sealed class StageQueueRouter(IVideoDiffusion diffusion, NodeIdentity? node = null)
{
    public string QueueFor(StageRun run) =>
        run.Stage == StageKind.Clips && !ClipNeedsGpu(run) ? Queues.Media : StageGraph.Get(run.Stage).Queue;

    private bool ClipNeedsGpu(StageRun run)
    {
        var parameters = JsonNode.Parse(run.ParametersJson) as JsonObject;
        if (parameters?["upload"] is not null)
        {
            return false;
        }
        var engine = StageContext.TextOf(parameters, "engine", "");
        if (engine.Length > 0)
        {
            return engine == "svd";
        }
        // Automatic: diffusion when it is installed (as ClipStage.DefaultEngine chooses). A process that
        // serves no gpu queue itself (a web-only studio, a CPU worker) cannot see the GPU workers' models,
        // so it leaves the choice to them.
        return diffusion.Status.Available || node is null || !node.Queues.Contains(Queues.Gpu);
    }
}
