using System.Globalization;

namespace ViralForge.Core.Pipeline;

/// <summary>
/// Names, sizes and modification times of files a stage reads from outside the artifact store (models,
/// voices, music): part of a run's input hash, so replacing one re-runs what it made instead of reusing
/// it. Hashing multi-gigabyte models on every run would cost more than it could save.
/// </summary>
public static class FileStamp
{
    public static string Of(params IEnumerable<string> paths) =>
        string.Join(';', paths.Select(path =>
        {
            var file = new FileInfo(path);
            return file.Exists
                ? string.Create(CultureInfo.InvariantCulture, $"{file.Name}:{file.Length}:{file.LastWriteTimeUtc.Ticks}")
                : $"{file.Name}:missing";
        }));
}
