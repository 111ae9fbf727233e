using System.Text;
using System.Text.RegularExpressions;

namespace ViralForge.Tests.Unit;

/// <summary>The images are not built in CI (no Docker daemon); what can drift silently is checked here.</summary>
public sealed partial class DockerfileTests
{
    private static string Dockerfile() =>
        File.ReadAllText(Path.Combine(Infrastructure.TestEnvironment.RepositoryRoot(), "Dockerfile"));

    [Fact]
    public void The_gpu_image_carries_the_CUDA_major_version_the_onnx_runtime_provider_was_built_for()
    {
        var provider = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime_providers_cuda.so");
        Assert.True(File.Exists(provider), $"The ONNX Runtime CUDA provider library is not in the test output ({provider}).");
        // The provider names the CUDA runtime it links against in its dynamic section: libcudart.so.<major>.
        var needed = CudartName().Match(FirstTextAround(provider, "libcudart.so."u8) ?? "");
        Assert.True(needed.Success, "The CUDA provider library names no libcudart.so.N.");

        var image = CudaImageArg().Match(Dockerfile());
        Assert.True(image.Success, "The Dockerfile has no ARG CUDA_IMAGE=nvidia/cuda:<version>-cudnn-runtime-… line.");
        Assert.Equal(needed.Groups["major"].Value, image.Groups["major"].Value);
    }

    [Fact]
    public void The_default_image_is_the_cpu_one_and_the_gpu_variant_asks_for_cuda()
    {
        var dockerfile = Dockerfile();
        Assert.Matches(@"(?m)^ARG VARIANT=cpu$", dockerfile);
        var stages = Regex.Matches(dockerfile, @"^FROM\s+(\S+)\s+AS\s+(\S+)\s*$", RegexOptions.Multiline).ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value);
        Assert.Equal("runtime-${VARIANT}", stages["studio"]);
        Assert.Equal("${CUDA_IMAGE}", stages["runtime-gpu"]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", stages["runtime-cpu"], StringComparison.Ordinal);
        var gpu = dockerfile.Split("AS runtime-gpu")[1].Split("AS studio")[0];
        Assert.Contains("Gpu__ExecutionProvider=cuda", gpu);
        Assert.Contains("NVIDIA_DRIVER_CAPABILITIES=compute,utility,video", gpu);
        Assert.DoesNotContain("Gpu__ExecutionProvider", dockerfile.Split("AS runtime-cpu")[1].Split("AS aspnet")[0]);
    }

    /// <summary>A few hundred bytes from the first occurrence of <paramref name="marker"/>, read in blocks (the library is ~300 MB).</summary>
    private static string? FirstTextAround(string path, ReadOnlySpan<byte> marker)
    {
        using var file = File.OpenRead(path);
        var buffer = new byte[1 << 20];
        var kept = 0;
        int read;
        while ((read = file.Read(buffer, kept, buffer.Length - kept)) > 0)
        {
            var filled = kept + read;
            var at = buffer.AsSpan(0, filled).IndexOf(marker);
            if (at >= 0 && filled - at >= 64)
            {
                return Encoding.Latin1.GetString(buffer, at, Math.Min(256, filled - at));
            }
            // Keep the tail, so a marker cut by the block boundary is found in the next block.
            kept = Math.Min(256, filled);
            Array.Copy(buffer, filled - kept, buffer, 0, kept);
        }
        return null;
    }

    [GeneratedRegex(@"libcudart\.so\.(?<major>\d+)")]
    private static partial Regex CudartName();

    [GeneratedRegex(@"^ARG CUDA_IMAGE=nvidia/cuda:(?<major>\d+)\.\d+\.\d+-cudnn-runtime-", RegexOptions.Multiline)]
    private static partial Regex CudaImageArg();
}
