namespace ViralForge.Core.Pipeline;

public enum StageKind
{
    Script,
    Keyframes,
    Clips,
    Narration,
    Compose,
    Review,
    Publish,
}

public static class Queues
{
    public const string Gpu = "gpu";
    public const string Media = "media";
    public const string Default = "default";
    /// <summary>Calls to outside services that people do not wait on (trend fetches): a slow host never holds a pipeline worker.</summary>
    public const string Outside = "outside";
    public static readonly string[] All = [Gpu, Media, Default, Outside];
}

/// <summary>The stage DAG: which stages feed which, which run per scene, and on which queue.</summary>
public static class StageGraph
{
    public sealed record Node(StageKind Stage, bool PerScene, string Queue, StageKind[] DependsOn)
    {
        /// <summary>
        /// A person's decision is never reused from an earlier run, even with the same inputs; nor is
        /// a script (asking the model again is the point, and freezing one is free).
        /// </summary>
        public bool Reusable => Stage is not (StageKind.Review or StageKind.Script);
    }

    public static readonly IReadOnlyList<Node> Nodes =
    [
        new(StageKind.Script, false, Queues.Default, []),
        new(StageKind.Keyframes, true, Queues.Media, [StageKind.Script]),
        new(StageKind.Clips, true, Queues.Gpu, [StageKind.Keyframes]),
        new(StageKind.Narration, true, Queues.Media, [StageKind.Script]),
        new(StageKind.Compose, false, Queues.Gpu, [StageKind.Clips, StageKind.Narration]),
        new(StageKind.Review, false, Queues.Default, [StageKind.Compose]),
        new(StageKind.Publish, false, Queues.Default, [StageKind.Compose, StageKind.Review]),
    ];

    private static readonly Dictionary<StageKind, Node> ByStage = Nodes.ToDictionary(n => n.Stage);

    public static Node Get(StageKind stage) => ByStage[stage];

    public static IEnumerable<Node> Successors(StageKind stage) => Nodes.Where(n => n.DependsOn.Contains(stage));

    /// <summary>Every stage downstream of <paramref name="stage"/>, transitively, in graph order.</summary>
    public static IReadOnlyList<StageKind> Downstream(StageKind stage)
    {
        var found = new HashSet<StageKind>();
        var pending = new Queue<StageKind>([stage]);
        while (pending.TryDequeue(out var current))
        {
            foreach (var next in Successors(current))
            {
                if (found.Add(next.Stage))
                {
                    pending.Enqueue(next.Stage);
                }
            }
        }
        return Nodes.Select(n => n.Stage).Where(found.Contains).ToList();
    }
}
