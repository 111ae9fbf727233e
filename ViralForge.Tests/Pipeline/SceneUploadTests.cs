using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Pipeline;

[Trait("Category", "Process")]
public sealed class SceneUploadTests
{
    private static readonly Ffmpeg Ffmpeg = new(Options.Create(new MediaOptions { X264Preset = "ultrafast" }));

    internal static async Task<string> MakePhoneVideoAsync(string folder)
    {
        var landscape = Path.Combine(folder, "landscape.mp4");
        var phone = Path.Combine(folder, "phone.mp4");
        await Ffmpeg.RunAsync(["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=5", "-f", "lavfi", "-i", "sine=frequency=440:duration=5",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", landscape], 0, null, CancellationToken.None);
        // A phone's portrait video: landscape pixels plus a 90° display rotation.
        await Ffmpeg.RunAsync(["-i", landscape, "-c", "copy", "-metadata:s:v:0", "rotate=90", phone], 0, null, CancellationToken.None);
        return phone;
    }

    internal static async Task<string> MakePhotoAsync(string folder)
    {
        var photo = Path.Combine(folder, "photo.jpg");
        await Ffmpeg.RunAsync(["-f", "lavfi", "-i", "testsrc2=size=1600x1200:rate=1:duration=1", "-frames:v", "1", "-update", "1", photo], 0, null, CancellationToken.None);
        return photo;
    }

    internal static async Task<HttpResponseMessage> UploadAsync(HttpClient client, Guid video, int scene, string path, string query = "")
    {
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", Path.GetFileName(path));
        return await client.PostAsync($"api/videos/{video}/scenes/{scene}/upload{query}", form);
    }

    [Fact]
    public async Task Uploads_replace_one_scenes_keyframe_or_clip_and_bad_files_are_refused_at_once()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("upload");
        var folder = TestEnvironment.NewFolder("upload");
        await using var studio = new StudioProcess(cs, folder);
        await studio.StartAsync();
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var db = new PipelineDb(cs);
        var videoId = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief());
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        var before = (await db.RunsAsync(videoId)).Where(r => r.Live).ToList();

        // A file that is not media is refused at once, and nothing of the video changes.
        var junk = Path.Combine(folder, "notes.mp4");
        await File.WriteAllTextAsync(junk, "not a video");
        var refused = await UploadAsync(creator, videoId, 2, junk);
        Assert.Equal((HttpStatusCode)422, refused.StatusCode);
        Assert.Contains("not an image or video that can be read", await refused.Content.ReadAsStringAsync());
        Assert.Equal(before.Select(r => r.Id), (await db.RunsAsync(videoId)).Where(r => r.Live).Select(r => r.Id));
        // Reviewers cannot upload, and cookies are not accepted for multipart uploads.
        var reviewer = studio.Client(await studio.IssueApiKeyAsync("reviewer"));
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(reviewer, videoId, 2, junk)).StatusCode);

        var phone = await UploadAsync(creator, videoId, 2, await MakePhoneVideoAsync(folder), "?start=1");
        Assert.Equal(HttpStatusCode.Accepted, phone.StatusCode);
        var phoneBody = JsonDocument.Parse(await phone.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("video", phoneBody.GetProperty("kind").GetString());
        Assert.Equal(360, phoneBody.GetProperty("width").GetInt32());
        Assert.Equal(640, phoneBody.GetProperty("height").GetInt32());
        var photo = await UploadAsync(creator, videoId, 3, await MakePhotoAsync(folder));
        Assert.Equal(HttpStatusCode.Accepted, photo.StatusCode);
        Assert.Equal("Keyframes", JsonDocument.Parse(await photo.Content.ReadAsStringAsync()).RootElement.GetProperty("stage").GetString());

        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Any(r => r.Live && r.Stage == "Review" && r.Status == "Waiting" && before.All(b => b.Id != r.Id)),
            TimeSpan.FromSeconds(120), () => studio.Log);
        var after = (await db.RunsAsync(videoId)).Where(r => r.Live).ToList();
        var changed = after.Where(r => before.All(b => b.Id != r.Id)).Select(r => (r.Stage, r.Scene)).OrderBy(x => x.Stage).ThenBy(x => x.Scene).ToList();
        Assert.Equal([("Clips", (int?)1), ("Clips", 2), ("Compose", null), ("Keyframes", 2), ("Review", null)], changed);

        var detail = JsonDocument.Parse(await creator.GetStringAsync($"api/videos/{videoId}")).RootElement.GetProperty("runs").EnumerateArray().ToList();
        JsonElement Output(string stage, int scene) => detail.Single(r => r.GetProperty("stage").GetString() == stage && r.GetProperty("scene").GetInt32() == scene)
            .GetProperty("artifacts")[0];
        Assert.Equal("upload", Output("Clips", 1).GetProperty("mediaInfo").GetProperty("engine").GetString());
        Assert.Equal("upload", Output("Keyframes", 2).GetProperty("mediaInfo").GetProperty("source").GetString());
        // The uploaded photo's scene still gets its motion clip, made from the new keyframe.
        Assert.Equal("cpu-motion", Output("Clips", 2).GetProperty("mediaInfo").GetProperty("engine").GetString());

        var clip = Path.Combine(studio.ArtifactsPath, (await db.ArtifactsAsync(videoId)).Single(a => a.Id == Output("Clips", 1).GetProperty("id").GetGuid()).StoreKey);
        var media = await new MediaInspector(Ffmpeg).InspectAsync(clip, CancellationToken.None);
        Assert.Equal((1080, 1920), media.Displayed);
        Assert.Equal(30, media.Fps, 3);
        Assert.Equal(2, media.Seconds, 1);
        await CrashRecoveryTests.AssertArtifactsIntactAsync(db, studio, videoId, after);
    }
}
