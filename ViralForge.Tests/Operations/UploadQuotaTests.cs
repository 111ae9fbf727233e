using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Pipeline;

namespace ViralForge.Tests.Operations;

[Trait("Category", "Process")]
public sealed class UploadQuotaTests
{
    private static readonly Ffmpeg Ffmpeg = new(Options.Create(new MediaOptions { X264Preset = "ultrafast" }));

    /// <summary>A photo of noise (JPEG cannot squeeze it), so its size is known to be well over a third of a MiB.</summary>
    private static async Task<string> NoisePhotoAsync(string folder, int side)
    {
        var path = Path.Combine(folder, $"noise-{side}.jpg");
        await Ffmpeg.RunAsync(["-f", "lavfi", "-i", $"nullsrc=s={side}x{side},geq=random(1)*255:128:128", "-frames:v", "1", "-update", "1", "-q:v", "2", path],
            0, null, CancellationToken.None);
        return path;
    }

    [Fact]
    public async Task Each_uploader_keeps_uploads_within_the_admins_quota_and_is_told_what_is_left()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("quota");
        var folder = TestEnvironment.NewFolder("quota");
        await using var studio = new StudioProcess(cs, folder);
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var other = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var db = new PipelineDb(cs);
        var videoId = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief());
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        var first = await NoisePhotoAsync(folder, 900);
        var second = await NoisePhotoAsync(folder, 901);
        Assert.InRange(new FileInfo(first).Length, 400_000, 1_000_000);

        // Only admins set it, and only to a sane value.
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.PutAsJsonAsync("api/storage/quota", new { megabytes = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("api/storage/quota", new { megabytes = -5 })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync("api/storage/quota", new { megabytes = 1 })).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await SceneUploadTests.UploadAsync(creator, videoId, 1, first)).StatusCode);
        var mine = await creator.GetFromJsonAsync<JsonElement>("api/uploads/quota");
        Assert.Equal(new FileInfo(first).Length, mine.GetProperty("usedBytes").GetInt64());
        Assert.Equal(1L << 20, mine.GetProperty("quotaBytes").GetInt64());

        // The next one does not fit: refused with what is left, and nothing of it is kept.
        var artifactsBefore = (await db.ArtifactsAsync(videoId)).Count;
        var refused = await SceneUploadTests.UploadAsync(creator, videoId, 2, second);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("quota", problem.GetProperty("detail").GetString());
        Assert.Contains("left", problem.GetProperty("detail").GetString());
        Assert.Equal(artifactsBefore, (await db.ArtifactsAsync(videoId)).Count);

        // The quota is each uploader's own: someone else still has theirs.
        Assert.Equal(HttpStatusCode.Accepted, (await SceneUploadTests.UploadAsync(other, videoId, 3, second)).StatusCode);
        var usage = await admin.GetFromJsonAsync<JsonElement>("api/storage/quota");
        Assert.Equal(1, usage.GetProperty("megabytes").GetInt64());
        Assert.Equal(2, usage.GetProperty("uploaders").GetArrayLength());
        Assert.All(usage.GetProperty("uploaders").EnumerateArray(), u => Assert.Equal(1, u.GetProperty("files").GetInt32()));

        // Raised (0: no limit), the same upload goes through.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync("api/storage/quota", new { megabytes = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SceneUploadTests.UploadAsync(creator, videoId, 2, second)).StatusCode);
        mine = await creator.GetFromJsonAsync<JsonElement>("api/uploads/quota");
        Assert.Equal(new FileInfo(first).Length + new FileInfo(second).Length, mine.GetProperty("usedBytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("leftBytes").ValueKind);
    }
}
