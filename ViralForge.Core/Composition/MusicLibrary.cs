using Microsoft.Extensions.Options;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Security;

namespace ViralForge.Core.Composition;

public sealed record MusicTrack(string Name, double Seconds, long Bytes);

/// <summary>The admin-managed background music: audio files in one folder.</summary>
public sealed class MusicLibrary(IOptions<MediaOptions> options, Ffmpeg ffmpeg)
{
    public const long MaxBytes = 100L << 20;

    private static readonly HashSet<string> Extensions = [".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".opus"];

    public string Folder => Path.GetFullPath(options.Value.MusicPath);

    public IReadOnlyList<string> Tracks() =>
        Directory.Exists(Folder)
            ? Directory.EnumerateFiles(Folder).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

 /// <summary>Adds a track after checking it is audio ffmpeg can play, at least 5 s long; the name is made safe.</summary>
    public async Task<MusicTrack> AddAsync(Stream content, string fileName, StudioActor actor, CancellationToken ct)
    {
        actor.Require(Roles.Admin);
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        if (!Extensions.Contains(extension))
        {
            throw new MediaRejectedException($"Music must be one of {string.Join(", ", Extensions)}; '{Path.GetFileName(fileName)}' is not.");
        }
        var stem = new string(Path.GetFileNameWithoutExtension(fileName).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray()).Trim('-');
        var name = (stem.Length == 0 ? "track" : stem[..Math.Min(60, stem.Length)]) + extension;
        Directory.CreateDirectory(Folder);
        var temp = Path.Combine(Folder, $".{Guid.NewGuid():N}{extension}");
        try
        {
            await using (var file = File.Create(temp))
            {
                await content.CopyToAsync(file, ct);
                if (file.Length > MaxBytes)
                {
                    throw new MediaRejectedException($"Music files are limited to {MaxBytes >> 20} MB.");
                }
            }
            var probe = await ffmpeg.ProbeAsync(temp, ct);
            if (probe.Audio is null || probe.Seconds < 5)
            {
                throw new MediaRejectedException("This file has no playable audio of at least 5 seconds.");
            }
            File.Move(temp, Path.Combine(Folder, name), overwrite: true);
            return new MusicTrack(name, probe.Seconds, new FileInfo(Path.Combine(Folder, name)).Length);
        }
        catch (ExternalToolException)
        {
            throw new MediaRejectedException("This file could not be read as audio. Export it again as MP3, M4A, WAV, FLAC or Ogg.");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public void Delete(string name, StudioActor actor)
    {
        actor.Require(Roles.Admin);
        if (Tracks().Contains(Path.GetFileName(name)))
        {
            File.Delete(Path.Combine(Folder, Path.GetFileName(name)));
        }
    }

    public string? PathOf(string name) => Tracks().Contains(Path.GetFileName(name)) ? Path.Combine(Folder, Path.GetFileName(name)) : null;

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
