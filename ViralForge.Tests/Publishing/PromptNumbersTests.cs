using System.Text.Json;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Publishing;
using ViralForge.Core.Script;
using ViralForge.Core.Script.Prompts;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Publishing;

/// <summary>The numbers per prompt version, read from real PostgreSQL rows as the pipeline and the publishers write them.</summary>
public sealed class PromptNumbersTests
{
    [Fact]
    public async Task Live_numbers_are_summed_per_prompt_version_of_each_videos_live_script()
    {
        var dbFactory = await TestEnvironment.CreateMigratedDatabaseAsync("promptnumbers");
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var youtube = new Channel { Name = "Shorts", Platform = ChannelPlatform.YouTube };
            var tiktok = new Channel { Name = "Clips", Platform = ChannelPlatform.TikTok };
            db.Channels.AddRange(youtube, tiktok);
            await db.SaveChangesAsync();

            // v7 wrote two videos: one live on two channels, one live on one and failed on the other.
            var a = Video(db, (7, superseded: false));
            Publish(db, a, youtube, PublicationStatus.Live, views: 1000, likes: 50);
            Publish(db, a, tiktok, PublicationStatus.Live, views: 3000, likes: 10);
            var b = Video(db, (7, superseded: false));
            Publish(db, b, youtube, PublicationStatus.Live, views: 500, likes: 5);
            Publish(db, b, tiktok, PublicationStatus.Failed, views: 999_999, likes: 999);
            // This video's script was first written with v7, then rewritten with v8: it counts for v8 only.
            var c = Video(db, (7, superseded: true), (8, superseded: false));
            Publish(db, c, youtube, PublicationStatus.Live, views: 40, likes: 1);
            // A script the creator wrote has no prompt version; a deleted video counts for nothing.
            var manual = Video(db);
            Publish(db, manual, youtube, PublicationStatus.Live, views: 77, likes: 7);
            var deleted = Video(db, (7, superseded: false));
            deleted.DeletedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync();
        }

        var numbers = await new PromptNumbers(dbFactory).ByVersionAsync(CancellationToken.None);

        Assert.Equal([7, 8], numbers.Keys.Order());
        var v7 = numbers[7];
        Assert.Equal((2, 3, 4500L, 65L), (v7.Videos, v7.Live, v7.Views, v7.Likes));
        Assert.Equal(1500, v7.ViewsPerLive);
        var v8 = numbers[8];
        Assert.Equal((1, 1, 40L, 1L), (v8.Videos, v8.Live, v8.Views, v8.Likes));
    }

    private static Video Video(ViralForgeDbContext db, params (int Version, bool superseded)[] scripts)
    {
        var video = new Video { Title = $"video {Guid.NewGuid():N}", Status = VideoStatus.Published };
        db.Videos.Add(video);
        if (scripts.Length == 0)
        {
            scripts = [(0, false)];
        }
        foreach (var (version, superseded) in scripts)
        {
            var provenance = version == 0
                ? ScriptProvenance.Manual
                : new ScriptProvenance("model", "llama", "tiny", ScriptRequest.DefaultTemplate, version, version, 1, []);
            var artifact = new Artifact
            {
                VideoId = video.Id, Kind = ScriptStage.ArtifactKind, StoreKey = $"{video.Id:N}/script-{version}.json", ContentType = "application/json",
                Sha256 = new string('0', 64), MediaInfoJson = JsonSerializer.Serialize(provenance, ScriptDocument.Json),
            };
            db.Artifacts.Add(artifact);
            db.StageRuns.Add(new StageRun
            {
                VideoId = video.Id, Stage = StageKind.Script, Attempt = 1, Status = StageRunStatus.Succeeded, OutputArtifactIds = [artifact.Id],
                SupersededAt = superseded ? DateTimeOffset.UtcNow : null,
            });
        }
        return video;
    }

    private static void Publish(ViralForgeDbContext db, Video video, Channel channel, PublicationStatus status, long views, long likes) =>
        db.Publications.Add(new Publication
        {
            VideoId = video.Id, ChannelId = channel.Id, Status = status, ScheduledFor = DateTimeOffset.UtcNow, Views = views, Likes = likes, Comments = 0,
        });
}
