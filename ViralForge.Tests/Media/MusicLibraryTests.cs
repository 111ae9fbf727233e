using Microsoft.Extensions.Options;
using ViralForge.Core.Composition;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Tests.Infrastructure;
using ViralForge.Core.Security;

namespace ViralForge.Tests.Media;

public sealed class MusicLibraryTests
{
    private static readonly StudioActor Admin = StudioActor.System("admin", Roles.Admin);

    [Fact]
    public async Task Admins_add_playable_tracks_bad_files_are_refused_and_each_video_keeps_its_pick()
    {
        var folder = TestEnvironment.NewFolder("music");
        var ffmpeg = new Ffmpeg(Options.Create(new MediaOptions()));
        var library = new MusicLibrary(Options.Create(new MediaOptions { MusicPath = Path.Combine(folder, "library") }), ffmpeg);
        Assert.Empty(library.Tracks());
        Assert.Null(library.Choose("random", Guid.NewGuid()));

        foreach (var (name, hz) in new[] { ("Calm Bed!.mp3", 220), ("upbeat.m4a", 330) })
        {
            var source = Path.Combine(folder, "src" + Path.GetExtension(name));
            await ffmpeg.RunAsync(["-f", "lavfi", "-i", $"sine=frequency={hz}:duration=8", source], 0, null, CancellationToken.None);
            await using var stream = File.OpenRead(source);
            var track = await library.AddAsync(stream, name, Admin, CancellationToken.None);
            Assert.InRange(track.Seconds, 7.9, 8.1);
        }
        Assert.Equal(["Calm-Bed.mp3", "upbeat.m4a"], library.Tracks());

        await using (var text = new MemoryStream("not music"u8.ToArray()))
        {
            var refused = await Assert.ThrowsAsync<MediaRejectedException>(() => library.AddAsync(text, "song.mp3", Admin, CancellationToken.None));
            Assert.Contains("could not be read as audio", refused.Message);
        }
        await using (var exe = new MemoryStream([1, 2, 3]))
        {
            Assert.Contains("Music must be one of", (await Assert.ThrowsAsync<MediaRejectedException>(() => library.AddAsync(exe, "tool.exe", Admin, CancellationToken.None))).Message);
        }
        await using (var byCreator = File.OpenRead(Path.Combine(folder, "src.mp3")))
        {
            // The library checks the role itself: a page that forgot its policy still cannot let a creator add music.
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => library.AddAsync(byCreator, "mine.mp3", StudioActor.System("carol", Roles.Creator), CancellationToken.None));
        }
        Assert.Equal(2, library.Tracks().Count);

        var video = Guid.NewGuid();
        Assert.Equal(library.Choose("random", video), library.Choose("random", video));
        Assert.Null(library.Choose("none", video));
        Assert.EndsWith("upbeat.m4a", library.Choose("upbeat.m4a", video));
        Assert.Contains("not in the library", Assert.Throws<PermanentStageException>(() => library.Choose("../../etc/passwd", video)).Message);
        library.Delete("upbeat.m4a", Admin);
        Assert.Equal(["Calm-Bed.mp3"], library.Tracks());
    }
}
