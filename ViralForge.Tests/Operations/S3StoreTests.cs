using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Storage;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Pipeline;

namespace ViralForge.Tests.Operations;

/// <summary>The S3 backend against a real S3 implementation on loopback (s3rver): every operation the studio uses.</summary>
[Trait("Category", "Process")]
public sealed class S3StoreTests
{
    [Fact]
    public async Task Files_go_up_whole_or_in_parts_come_back_checked_are_read_by_range_through_presigned_addresses_and_an_outage_is_named()
    {
        var folder = TestEnvironment.NewFolder("s3store");
        await using var s3 = await LoopbackS3.StartAsync(Path.Combine(folder, "s3"));
        var s3Options = s3.Options(browserReachable: true);
        s3Options.MultipartThresholdMegabytes = 5;
        s3Options.PartSizeMegabytes = 5;
        using var backend = new S3ArtifactBackend(s3Options);
        var storage = new StorageOptions { CachePath = Path.Combine(folder, "cache"), WorkPath = Path.Combine(folder, "work"), Backend = "s3" };
        var store = new ArtifactStore(Options.Create(storage), backend);

        var small = RandomFile(folder, "small.mp4", 300_000);
        var large = RandomFile(folder, "large.mp4", 12 * 1024 * 1024 + 1234);
        var videoId = Guid.NewGuid();
        var first = await store.CommitAsync(videoId, "clip", small, "video/mp4", CancellationToken.None);
        var second = await store.CommitAsync(videoId, "final", large, "video/mp4", CancellationToken.None);
        Assert.Equal(Sha(small), first.Sha256);
        Assert.Equal(ArtifactStore.KeyFor(first.Sha256, ".mp4"), first.StoreKey);
        Assert.True(await backend.ExistsAsync(first.StoreKey, CancellationToken.None));

        // The large file went up in three parts (5 + 5 + 2 MiB), the small one whole.
        await Eventually.WaitAsync(() => Task.FromResult(s3.Log.Contains("Stored part 3 of", StringComparison.Ordinal)), TimeSpan.FromSeconds(5), () => s3.Log);
        Assert.DoesNotContain("Stored part 4 of", s3.Log);
        Assert.Contains($"Stored object \"{first.StoreKey}\"", s3.Log);
        using var raw = new AmazonS3Client(LoopbackS3.AccessKey, LoopbackS3.SecretKey, new AmazonS3Config { ServiceURL = s3.ServiceUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var head = await raw.GetObjectMetadataAsync(LoopbackS3.Bucket, second.StoreKey);
        Assert.Equal(second.Bytes, head.ContentLength);
        Assert.Equal("video/mp4", head.Headers.ContentType);

        // Another machine (an empty cache) fetches and checks both.
        var other = new ArtifactStore(Options.Create(new StorageOptions { CachePath = Path.Combine(folder, "cache2"), WorkPath = Path.Combine(folder, "work2"), Backend = "s3" }), backend);
        Assert.Equal(first.Sha256, Sha(await other.LocalPathAsync(first.StoreKey, CancellationToken.None)));
        Assert.Equal(second.Sha256, Sha(await other.LocalPathAsync(second.StoreKey, CancellationToken.None)));

        // The browser reads a range straight from the store through a presigned address.
        var url = await store.BrowserUrlAsync(second, CancellationToken.None);
        Assert.NotNull(url);
        Assert.Contains("X-Amz-Signature=", url!.Query);
        using (var browser = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Range = new RangeHeaderValue(5_000_000, 5_000_099);
            using var ranged = await browser.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
            Assert.Equal(File.ReadAllBytes(large).AsSpan(5_000_000, 100).ToArray(), await ranged.Content.ReadAsByteArrayAsync());
            Assert.Equal("video/mp4", ranged.Content.Headers.ContentType?.MediaType);
        }

        // A stored object changed behind the studio's back is refused on fetch, and no copy is kept.
        await raw.PutObjectAsync(new PutObjectRequest { BucketName = LoopbackS3.Bucket, Key = first.StoreKey, ContentBody = "damaged" });
        var fresh = new ArtifactStore(Options.Create(new StorageOptions { CachePath = Path.Combine(folder, "cache3"), WorkPath = Path.Combine(folder, "work3"), Backend = "s3" }), backend);
        var corrupt = await Assert.ThrowsAsync<StoredFileCorruptException>(() => fresh.LocalPathAsync(first.StoreKey, CancellationToken.None));
        Assert.Contains("does not match its hash", corrupt.Message);
        Assert.False(File.Exists(fresh.PathFor(first.StoreKey)));

        // A short object is what a worker killed mid-upload leaves: the worker that redoes the run stores
        // the file whole again instead of trusting the address, and it then reads back checked.
        var redone = await fresh.CommitAsync(videoId, "clip", small, "video/mp4", CancellationToken.None);
        Assert.Equal(first.StoreKey, redone.StoreKey);
        Assert.Equal(first.Bytes, (await raw.GetObjectMetadataAsync(LoopbackS3.Bucket, first.StoreKey)).ContentLength);
        var reader = new ArtifactStore(Options.Create(new StorageOptions { CachePath = Path.Combine(folder, "cache4"), WorkPath = Path.Combine(folder, "work4"), Backend = "s3" }), backend);
        Assert.Equal(first.Sha256, Sha(await reader.LocalPathAsync(first.StoreKey, CancellationToken.None)));

        // Listing and deleting, this machine's copy included.
        var listed = new List<string>();
        await foreach (var item in backend.ListAsync(CancellationToken.None))
        {
            listed.Add(item.Key);
        }
        Assert.Contains(second.StoreKey, listed);
        await store.DeleteAsync(second.StoreKey, CancellationToken.None);
        Assert.False(await backend.ExistsAsync(second.StoreKey, CancellationToken.None));
        Assert.False(File.Exists(store.PathFor(second.StoreKey)));
        Assert.Null(await fresh.TryLocalPathAsync(second.StoreKey, CancellationToken.None));

        // A bucket that is not there yet is made at start-up (a fresh MinIO), or named when that is not allowed.
        var freshOptions = s3.Options();
        freshOptions.Bucket = "made-at-start";
        freshOptions.CreateBucket = false;
        using (var refusing = new S3ArtifactBackend(freshOptions))
        {
            var missing = await Assert.ThrowsAsync<ArtifactStoreUnavailableException>(() => refusing.EnsureBucketAsync(CancellationToken.None));
            Assert.Contains("'made-at-start'", missing.Message);
            Assert.Contains("does not exist", missing.Message);
        }
        freshOptions.CreateBucket = true;
        using (var creating = new S3ArtifactBackend(freshOptions))
        {
            await creating.EnsureBucketAsync(CancellationToken.None);
            await creating.PutAsync("sha256/00/x", small, "video/mp4", CancellationToken.None);
            Assert.True(await creating.ExistsAsync("sha256/00/x", CancellationToken.None));
        }

        // Down: every call says which store could not be reached; back up, it works again.
        await s3.StopAsync();
        var down = await Assert.ThrowsAsync<ArtifactStoreUnavailableException>(() => store.CommitAsync(videoId, "clip", RandomFile(folder, "late.mp4", 1000), "video/mp4", CancellationToken.None));
        Assert.Contains($"the S3 bucket '{LoopbackS3.Bucket}' at {s3.ServiceUrl}", down.Message);
        Assert.DoesNotContain(LoopbackS3.SecretKey, down.Message);
        await s3.StartAsync();
        var late = await store.CommitAsync(videoId, "clip", Path.Combine(folder, "late.mp4"), "video/mp4", CancellationToken.None);
        Assert.True(await backend.ExistsAsync(late.StoreKey, CancellationToken.None));
    }

    [Fact]
    public async Task A_studio_makes_a_video_through_the_bucket_waits_out_the_store_being_down_and_streams_the_cut_by_range()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("s3video");
        var folder = TestEnvironment.NewFolder("s3video");
        await using var s3 = await LoopbackS3.StartAsync(Path.Combine(folder, "s3"));
        var settings = s3.Settings();
        // Enough attempts to outlast the outage below (each backs off 0.3–2 s).
        settings["Pipeline__MaxAttempts"] = "10";
        await using var studio = new StudioProcess(cs, Path.Combine(folder, "studio"), settings);
        await studio.StartAsync();
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var db = new PipelineDb(cs);

        await s3.StopAsync();
        var videoId = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(title: "Through the bucket"));
        // Runs that store files fail for now, saying which store and that they will try again.
        await Eventually.WaitAsync(async () => (await db.RunsAsync(videoId)).Any(r => r.Error?.Contains($"the S3 bucket '{LoopbackS3.Bucket}' at {s3.ServiceUrl} could not be reached", StringComparison.Ordinal) == true),
            TimeSpan.FromSeconds(90), () => "No run said the store was down.\n" + studio.Log);
        var health = await ArtifactStoreHealthAsync(creator);
        Assert.Equal("Unhealthy", health.GetProperty("status").GetString());
        Assert.Contains("could not be reached", health.GetProperty("description").GetString());
        await s3.StartAsync();
        health = await ArtifactStoreHealthAsync(creator);
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Contains($"Artifacts in the S3 bucket '{LoopbackS3.Bucket}'", health.GetProperty("description").GetString());

        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview",
            TimeSpan.FromSeconds(240), () => "The video did not reach review.\n" + studio.Log);
        var runs = await db.RunsAsync(videoId);
        Assert.DoesNotContain(runs, r => r.Status == "DeadLettered");
        Assert.Contains(runs, r => r.Attempt > 1);

        // Every file the video is made of is in the bucket, whole; nothing went to the local artifact folder.
        using var backend = new S3ArtifactBackend(s3.Options());
        var fetched = Path.Combine(folder, "fetched");
        Directory.CreateDirectory(fetched);
        await CrashRecoveryTests.AssertArtifactsIntactAsync(db, videoId, runs.Where(r => r.Live), async key =>
        {
            var path = Path.Combine(fetched, Path.GetFileName(key));
            await backend.FetchAsync(key, path, CancellationToken.None);
            return path;
        });
        Assert.False(Directory.Exists(studio.ArtifactsPath) && Directory.EnumerateFiles(studio.ArtifactsPath, "*", SearchOption.AllDirectories).Any());

        // Admins see where the files are and what this machine keeps copies of.
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var storage = await admin.GetFromJsonAsync<JsonElement>("api/storage");
        Assert.Contains($"the S3 bucket '{LoopbackS3.Bucket}'", storage.GetProperty("store").GetString());
        Assert.True(storage.GetProperty("cacheBytes").GetInt64() > 0, storage.ToString());

        // The browser cannot reach this store: the studio streams the cut, by range.
        var final = (await db.ArtifactsAsync(videoId)).Single(a => a.Kind == "final");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"media/{final.Id}");
        request.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var response = await creator.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        var whole = await File.ReadAllBytesAsync(Path.Combine(fetched, Path.GetFileName(final.StoreKey)));
        Assert.Equal(whole.AsSpan(1000, 1000).ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    private static async Task<JsonElement> ArtifactStoreHealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync("health");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("checks").GetProperty("artifact-store");
    }

    private static string RandomFile(string folder, string name, int bytes)
    {
        var path = Path.Combine(folder, name);
        var data = new byte[bytes];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
