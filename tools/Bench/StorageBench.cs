using System.Diagnostics;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Storage;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Bench;

/// <summary>
/// The final compose as a worker runs it, with artifacts in the loopback S3 store against the local
/// folder: fetch the inputs (S3: into an emptied cache, as on a machine that made none of them), compose,
/// store the outputs. Alternated, median of three each.
/// </summary>
internal static class StorageBench
{
    public static async Task RunAsync(string scratch)
    {
        var root = Directory.CreateDirectory(Path.Combine(scratch, "bench-storage")).FullName;
        var shortFilm = await ComposeBench.PrepareAsync(Path.Combine(root, "inputs"));
        await using var s3 = await LoopbackS3.StartAsync(Path.Combine(root, "s3"));
        using var bucket = new S3ArtifactBackend(s3.Options());
        var local = new ArtifactStore(Options.Create(new StorageOptions { ArtifactsPath = Path.Combine(root, "local"), WorkPath = Path.Combine(root, "work") }),
            new LocalArtifactBackend(Path.Combine(root, "local")));
        var cache = Path.Combine(root, "cache");
        var remote = new ArtifactStore(Options.Create(new StorageOptions { CachePath = cache, WorkPath = Path.Combine(root, "work"), Backend = "s3" }), bucket);
        var localInputs = await StoreInputsAsync(local, shortFilm);
        var remoteInputs = await StoreInputsAsync(remote, shortFilm);

        var times = new Dictionary<ArtifactStore, List<double>> { [local] = [], [remote] = [] };
        for (var round = 0; round < 3; round++)
        {
            foreach (var (store, inputs) in new[] { (local, localInputs), (remote, remoteInputs) })
            {
                if (store == remote)
                {
                    Directory.Delete(cache, recursive: true);
                }
                var sw = Stopwatch.StartNew();
                await store.EnsureLocalAsync(inputs.SelectMany(i => i.Artifacts).Select(a => a.StoreKey), CancellationToken.None);
                var outcome = await shortFilm.Stage.ExecuteAsync(shortFilm.Context(inputs, Path.Combine(root, $"work-{round}-{times[store].Count}-{(store == local ? "local" : "s3")}"), round), CancellationToken.None);
                foreach (var file in outcome.Files)
                {
                    await store.CommitAsync(Guid.Empty, file.Kind, file.Path, file.ContentType, CancellationToken.None);
                }
                times[store].Add(sw.Elapsed.TotalSeconds);
            }
        }
        var (l, r) = (Median(times[local]), Median(times[remote]));
        Console.WriteLine(FormattableString.Invariant($"compose with artifacts in the loopback S3 store: {r:0.00} s; in the local folder: {l:0.00} s (inputs fetched into an empty cache, outputs stored; medians of 3)"));
        BenchSupport.Bench("s3_vs_local_compose", r / l, "x", "<=1.15");
    }

    private static async Task<List<StageInput>> StoreInputsAsync(ArtifactStore store, ComposeBench.Short shortFilm)
    {
        var inputs = new List<StageInput>();
        for (var i = 0; i < shortFilm.Scenes.Count; i++)
        {
            var (clip, voice, spoken) = shortFilm.Scenes[i];
            var clipArtifact = await store.CommitAsync(Guid.Empty, "clip", clip, "video/mp4", CancellationToken.None);
            var voiceArtifact = await store.CommitAsync(Guid.Empty, "narration", voice, "audio/wav", CancellationToken.None);
            voiceArtifact.MediaInfoJson = ComposeBench.Short.Info(spoken);
            inputs.Add(new StageInput(StageKind.Clips, i, [clipArtifact], store.Root));
            inputs.Add(new StageInput(StageKind.Narration, i, [voiceArtifact], store.Root));
        }
        return inputs;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
