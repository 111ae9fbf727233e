using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using ViralForge.Core.Storage;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A real S3 implementation (the s3rver npm package, pinned in tools/s3rver and installed by
/// scripts/test) on a loopback port, with one bucket. It can be stopped and started again on the same
/// port and folder, to stand for a store that is down for a while.
/// </summary>
public sealed class LoopbackS3 : IAsyncDisposable
{
    public const string Bucket = "artifacts";

    // s3rver's fixed credentials: it checks every request's signature against them.
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly StringBuilder _log = new();
    private Process? _process;

    private LoopbackS3(string folder, int port)
    {
        Folder = folder;
        Port = port;
    }

    public string Folder { get; }
    public int Port { get; }
    public string ServiceUrl => $"http://127.0.0.1:{Port}";
    /// <summary>What the store logged: one line per stored object and per stored part.</summary>
    public string Log { get { lock (_log) { return _log.ToString(); } } }

    public static async Task<LoopbackS3> StartAsync(string folder)
    {
        using var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var s3 = new LoopbackS3(folder, port);
        await s3.StartAsync();
        return s3;
    }

    public static string Executable()
    {
        var path = Environment.GetEnvironmentVariable("VIRALFORGE_TEST_S3RVER") is { Length: > 0 } set ? set : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); path is null && dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ViralForge.sln")))
            {
                path = Path.Combine(dir.FullName, "tools", "s3rver", "node_modules", ".bin", "s3rver");
            }
        }
        return path is not null && File.Exists(path) ? path : throw new FileNotFoundException($"s3rver is not installed ({path}); scripts/test and scripts/bench install it (npm ci in tools/s3rver).");
    }

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-d", Folder, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--configure-bucket", Bucket })
        {
            psi.ArgumentList.Add(arg);
        }
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with {_process.ExitCode}:\n{Log}");
            }
            try
            {
                // Any answer (an unsigned request is refused) means it listens.
                await http.GetAsync($"{ServiceUrl}/{Bucket}");
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException("s3rver did not start within 30 s:\n" + Log);
    }

    /// <summary>The store goes away (its files stay for the next start).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public S3StorageOptions Options(bool browserReachable = false) => new()
    {
        ServiceUrl = ServiceUrl,
        Bucket = Bucket,
        AccessKeyId = AccessKey,
        SecretAccessKey = SecretKey,
        ForcePathStyle = true,
        BrowserReachable = browserReachable,
        RequestTimeoutSeconds = 20,
    };

    /// <summary>What a studio or worker process is configured with to keep its artifacts here.</summary>
    public Dictionary<string, string> Settings() => new()
    {
        ["Storage__Backend"] = "s3",
        ["Storage__S3__ServiceUrl"] = ServiceUrl,
        ["Storage__S3__Bucket"] = Bucket,
        ["Storage__S3__AccessKeyId"] = AccessKey,
        ["Storage__S3__SecretAccessKey"] = SecretKey,
        ["Storage__S3__RequestTimeoutSeconds"] = "20",
    };

    public async ValueTask DisposeAsync() => await StopAsync();
}
