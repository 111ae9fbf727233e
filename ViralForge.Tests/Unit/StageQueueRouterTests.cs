using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Clips;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Onnx;
using ViralForge.Gpu.Svd;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Unit;

/// <summary>Only clips that video diffusion makes wait for the GPU worker; FFmpeg clips go to the media queue.</summary>
public sealed class StageQueueRouterTests
{
    private static readonly NodeIdentity AllQueues = new("studio", Queues.All, () => "cpu");
    private static readonly NodeIdentity CpuWorker = new("worker", [Queues.Media, Queues.Default], () => "cpu");

    private static StageRun Clip(string parameters) => new() { Stage = StageKind.Clips, SceneIndex = 0, ParametersJson = parameters };

    [Fact]
    public void Without_diffusion_clips_are_media_work_unless_svd_is_asked_for_or_another_node_may_have_it()
    {
        var router = new StageQueueRouter(new NoVideoDiffusion(), AllQueues);
        Assert.Equal(Queues.Media, router.QueueFor(Clip("{}")));
        Assert.Equal(Queues.Media, router.QueueFor(Clip("""{"engine":"stock"}""")));
        Assert.Equal(Queues.Media, router.QueueFor(Clip("""{"engine":"motion"}""")));
        Assert.Equal(Queues.Media, router.QueueFor(Clip("""{"upload":"abc","engine":"svd"}""")));
        Assert.Equal(Queues.Gpu, router.QueueFor(Clip("""{"engine":"svd"}""")));
        // The final encode and the other stages keep their graph's queue.
        Assert.Equal(Queues.Gpu, router.QueueFor(new StageRun { Stage = StageKind.Compose }));
        Assert.Equal(Queues.Media, router.QueueFor(new StageRun { Stage = StageKind.Narration, SceneIndex = 0 }));
        Assert.Equal(Queues.Default, router.QueueFor(new StageRun { Stage = StageKind.Script }));

        // A node that takes no GPU work cannot see the GPU workers' models: "automatic" is theirs to decide.
        Assert.Equal(Queues.Gpu, new StageQueueRouter(new NoVideoDiffusion(), CpuWorker).QueueFor(Clip("{}")));
        Assert.Equal(Queues.Media, new StageQueueRouter(new NoVideoDiffusion(), CpuWorker).QueueFor(Clip("""{"engine":"motion"}""")));
        Assert.Equal(Queues.Gpu, new StageQueueRouter(new NoVideoDiffusion()).QueueFor(Clip("{}")));
    }

    [Fact]
    public void With_diffusion_installed_automatic_clips_wait_for_the_gpu()
    {
        var models = TinySvdModels.Write(Path.Combine(TestEnvironment.NewFolder("svd-route"), "models"));
        var ffmpeg = new Ffmpeg(Options.Create(new MediaOptions()));
        using var generator = new SvdClipGenerator(Options.Create(new GpuOptions { SvdModelsPath = models }),
            new OnnxProvider(Options.Create(new GpuOptions()), NullLogger<OnnxProvider>.Instance), ffmpeg,
            new EncoderSelector(ffmpeg, NullLogger<EncoderSelector>.Instance), NullLogger<SvdClipGenerator>.Instance);
        Assert.True(generator.Status.Available, generator.Status.Description);
        var router = new StageQueueRouter(generator, AllQueues);
        Assert.Equal(Queues.Gpu, router.QueueFor(Clip("{}")));
        Assert.Equal(Queues.Gpu, router.QueueFor(Clip("""{"pick":"clip-candidate-2"}""")));
        Assert.Equal(Queues.Media, router.QueueFor(Clip("""{"engine":"stock"}""")));
    }
}
