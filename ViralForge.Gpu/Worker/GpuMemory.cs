using ViralForge.Core.Media;

namespace ViralForge.Gpu.Worker;

/// <summary>Device name and memory from nvidia-smi, when the driver tools are installed.</summary>
public static class GpuMemory
{
    public static async Task<string?> QueryAsync(CancellationToken ct)
    {
        try
        {
            var result = await ProcessRunner.RunAsync("nvidia-smi", ["--query-gpu=name,memory.used,memory.total", "--format=csv,noheader"], TimeSpan.FromSeconds(5), ct);
            return result.ExitCode == 0 && result.StdOut.Trim().Length > 0 ? result.StdOut.Trim() : null;
        }
        catch (Exception ex) when (ex is ExternalToolException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}
