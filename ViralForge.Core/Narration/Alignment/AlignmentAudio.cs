using System.Globalization;
using Microsoft.Extensions.Logging;
using ViralForge.Core.Media;

namespace ViralForge.Core.Narration.Alignment;

/// <summary>
/// The sound both aligners read: a phrase resampled to 16 kHz mono by ffmpeg (what pocketsphinx's
/// model and Whisper were trained on), in a scratch folder of its own that is removed afterwards.
/// </summary>
internal static class AlignmentAudio
{
    public const int SampleRate = 16000;

    /// <summary>Runs <paramref name="work"/> in a new temporary folder and removes the folder after.</summary>
    public static async Task<T> InScratchFolderAsync<T>(string prefix, Func<string, Task<T>> work)
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        try
        {
            return await work(folder);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="spoken"/> to <paramref name="target"/> in <paramref name="folder"/> at 16 kHz mono,
    /// with ffmpeg's output options <paramref name="format"/>; the target's path, or null when ffmpeg failed.
    /// </summary>
    public static async Task<string?> Resample16kAsync(SpokenText spoken, string folder, string target, string[] format,
        TimeSpan timeout, ILogger log, CancellationToken ct)
    {
        var source = Path.Combine(folder, "source.wav");
        var output = Path.Combine(folder, target);
        await EspeakLibrary.WriteWavAsync(source, spoken, ct);
        var result = await ProcessRunner.RunAsync("ffmpeg",
            ["-nostdin", "-v", "error", "-y", "-i", source, "-ac", "1", "-ar", SampleRate.ToString(CultureInfo.InvariantCulture), .. format, output],
            timeout, ct);
        if (result.ExitCode != 0)
        {
            log.LogWarning("Resampling for word alignment failed: {Error}", result.StdErrTail);
            return null;
        }
        return output;
    }
}
