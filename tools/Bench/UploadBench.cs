using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ViralForge.Core.Publishing;
using ViralForge.Core.Publishing.YouTube;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Bench;

/// <summary>
/// Is the uploader the bottleneck? The YouTube publisher sends a 200 MB file to the loopback YouTube
/// (resumable session, 16 MiB chunks, every byte counted by the server) against reading the same file
/// from disk in the same chunks. Before each measure the file's pages are dropped from the page
/// cache (posix_fadvise DONTNEED after an fsync), so both really read the disk, as a publication of
/// a cut made hours ago does. Alternated, median of three each; the ratio is upload throughput over
/// read throughput.
/// </summary>
internal static partial class UploadBench
{
    private const long FileBytes = 200L * 1024 * 1024;

    public static async Task RunAsync(string scratch)
    {
        var file = Path.Combine(scratch, "bench-upload.mp4");
        await using (var output = File.Create(file))
        {
            var block = new byte[1 << 20];
            for (long written = 0; written < FileBytes; written += block.Length)
            {
                Random.Shared.NextBytes(block);
                await output.WriteAsync(block);
            }
            output.Flush(flushToDisk: true);
        }
        await using var youtube = new LoopbackYouTube { KeepBytes = false };
        var options = Options.Create(new PublishingOptions { YouTube = { ApiBaseUrl = youtube.BaseUrl } });
        using var http = new SingleClientFactory();
        var publisher = new YouTubePublisher(http, options, TimeProvider.System, NullLogger<YouTubePublisher>.Instance);
        var token = youtube.IssueAccessToken();

        var reads = new List<double>();
        var uploads = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            DropFromPageCache(file);
            reads.Add(await TimeAsync(() => ReadAsync(file, options.Value.YouTube.ChunkBytes)));
            DropFromPageCache(file);
            uploads.Add(await TimeAsync(() => UploadAsync(publisher, file, token, round)));
        }
        if (youtube.Videos.Count != 3 || youtube.Videos.Any(v => v.Length != FileBytes) || !youtube.ProtocolErrors.IsEmpty)
        {
            throw new InvalidOperationException($"The loopback YouTube got {youtube.Videos.Count} videos and {youtube.ProtocolErrors.Count} protocol errors.");
        }
        var read = Median(reads);
        var upload = Median(uploads);
        Console.WriteLine($"upload: read {FileBytes / read / 1e6:0} MB/s, upload {FileBytes / upload / 1e6:0} MB/s (medians of 3)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH upload_throughput_vs_disk_read {read / upload:0.00} x target >=0.8"));
        File.Delete(file);
    }

    private static async Task ReadAsync(string path, int chunk)
    {
        var buffer = new byte[chunk];
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        while (await input.ReadAsync(buffer) > 0)
        {
        }
    }

    private static async Task UploadAsync(YouTubePublisher publisher, string path, string token, int round)
    {
        var publication = new Publication { Id = round + 1 };
        var job = new PublishJob
        {
            Publication = publication,
            Channel = new Channel { Name = "bench", Platform = ChannelPlatform.YouTube, DefaultPrivacy = "private" },
            Metadata = new PublishMetadata("Bench", "Upload benchmark", ["#bench"], Channel.DefaultAiDisclosure, DateTimeOffset.UtcNow),
            VideoPath = path,
            VideoBytes = FileBytes,
            VideoSha256 = "",
            AccessTokenAsync = (_, _) => Task.FromResult(token),
            CheckpointAsync = (change, _) =>
            {
                change(publication);
                return Task.CompletedTask;
            },
            MediaUrl = () => throw new NotSupportedException(),
            Progress = new Progress<double>(),
        };
        await publisher.PublishAsync(job, CancellationToken.None);
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed.TotalSeconds;
    }

    private static void DropFromPageCache(string path)
    {
        using var handle = File.OpenHandle(path);
        const int dontNeed = 4; // POSIX_FADV_DONTNEED
        var result = PosixFadvise(handle.DangerousGetHandle().ToInt32(), 0, 0, dontNeed);
        if (result != 0)
        {
            throw new InvalidOperationException($"posix_fadvise failed ({result}); the read would come from memory.");
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private sealed class SingleClientFactory : IHttpClientFactory, IDisposable
    {
        private readonly HttpClient _client = new() { Timeout = Timeout.InfiniteTimeSpan };

        public HttpClient CreateClient(string name) => _client;

        public void Dispose() => _client.Dispose();
    }
}
