using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Onnx;

namespace ViralForge.Web.Extensions;

/// <summary>
/// What this process of the build is: the studio (UI, API, and workers unless turned off) or a headless
/// worker (<c>--role worker --queues gpu</c>): a Hangfire server on the named queues with /health, nothing else.
/// A worker asked for CUDA that cannot use it says so on /health and takes no GPU work, rather than
/// running the GPU queue on the CPU behind everyone's back.
/// </summary>
public sealed class NodeRole
{
    public const string Studio = "studio";
    public const string Worker = "worker";

    private NodeRole(string kind, IReadOnlySet<string> queues, string? gpuRefused)
    {
        Kind = kind;
        Queues = queues;
        GpuRefused = gpuRefused;
    }

    public string Kind { get; }

    public bool IsWorker => Kind == Worker;

    /// <summary>The queues this process serves (all of them unless <c>--queues</c> names some).</summary>
    public IReadOnlySet<string> Queues { get; }

    /// <summary>Why the gpu queue was asked for and not taken, or null.</summary>
    public string? GpuRefused { get; }

    public bool Serves(string queue) => Queues.Contains(queue);

    public static NodeRole From(IConfiguration configuration)
    {
        var kind = (configuration["Node:Role"] ?? Studio).Trim().ToLowerInvariant();
        if (kind is not (Studio or Worker))
        {
            throw new InvalidOperationException($"Unknown role '{kind}': use --role studio or --role worker.");
        }
        var named = (configuration["Node:Queues"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(q => q.ToLowerInvariant()).ToHashSet();
        var unknown = named.Except(Core.Pipeline.Queues.All).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"Unknown queue(s) {string.Join(", ", unknown)}: use {string.Join(", ", Core.Pipeline.Queues.All)}.");
        }
        // A web-only studio (Workers:Enabled=false) serves no queue; other nodes do the work.
        var working = kind == Worker || configuration.GetValue("Workers:Enabled", true);
        var queues = !working ? [] : named.Count > 0 ? named : Core.Pipeline.Queues.All.ToHashSet();
        string? refused = null;
        var gpu = configuration.GetSection(GpuOptions.Section).Get<GpuOptions>() ?? new GpuOptions();
        if (kind == Worker && queues.Contains(Core.Pipeline.Queues.Gpu) && gpu.ExecutionProvider == "cuda")
        {
            var probe = OnnxProvider.Probe(gpu);
            if (!probe.Usable)
            {
                refused = $"CUDA was asked for and cannot be used ({probe.Detail}); this worker takes no GPU work.";
                queues.Remove(Core.Pipeline.Queues.Gpu);
            }
        }
        return new NodeRole(kind, queues, refused);
    }

    public NodeIdentity Identity(IServiceProvider services) =>
        new(Kind, [.. Queues.Order()], () =>
        {
            if (GpuRefused is not null)
            {
                return GpuRefused;
            }
            var status = services.GetRequiredService<OnnxProvider>().Status;
            return status.Usable ? $"{status.InUse}: {status.Device}" : $"{status.Requested} unusable: {status.Detail}";
        });
}
