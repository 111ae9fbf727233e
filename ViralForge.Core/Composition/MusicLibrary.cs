using Microsoft.Extensions.Options;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Composition;

/// <summary>The admin-managed background music: audio files in one folder.</summary>
public sealed class MusicLibrary(IOptions<MediaOptions> options)
{
    private static readonly HashSet<string> Extensions = [".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".opus"];

    public string Folder => Path.GetFullPath(options.Value.MusicPath);

    public IReadOnlyList<string> Tracks() =>
        Directory.Exists(Folder)
            ? Directory.EnumerateFiles(Folder).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>"none", "random" (stable per video, so a retry keeps its track) or a track's file name.</summary>
    public string? Choose(string choice, Guid videoId)
    {
        var tracks = Tracks();
        switch (choice)
        {
            case "none":
                return null;
            case "random":
                return tracks.Count == 0 ? null : Path.Combine(Folder, tracks[(int)((uint)videoId.GetHashCode() % (uint)tracks.Count)]);
            default:
                var name = Path.GetFileName(choice);
                return tracks.Contains(name)
                    ? Path.Combine(Folder, name)
                    : throw new PermanentStageException($"Music track '{name}' is not in the library ({tracks.Count} tracks). Choose another, \"random\" or \"none\".");
        }
    }
}
