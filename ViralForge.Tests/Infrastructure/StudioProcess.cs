using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// The real studio (ViralForge.Web.dll) as a child process against a test database, so tests can
/// SIGKILL it mid-stage and start it again.
/// </summary>
public sealed class StudioProcess : IAsyncDisposable
{
    public const string AdminEmail = "admin@viralforge.test";
    public const string AdminPassword = "Test-Admin-Password-1";

    private readonly StringBuilder _log = new();
    private Process? _process;

    public StudioProcess(string connectionString, string dataFolder, Dictionary<string, string>? settings = null)
    {
        ConnectionString = connectionString;
        DataFolder = dataFolder;
        Settings = settings ?? [];
        Port = FreePort();
    }

    public string ConnectionString { get; }
    public string DataFolder { get; }
    public Dictionary<string, string> Settings { get; }
    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public string OutboxPath => Path.Combine(DataFolder, "outbox");
    public string ArtifactsPath => Path.Combine(DataFolder, "artifacts");
    public string Log { get { lock (_log) { return _log.ToString(); } } }
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>A command the studio is started under (say, <c>taskset -c 0</c> to pin it to one core).</summary>
    public IReadOnlyList<string> Launcher { get; init; } = [];

    /// <summary>The running studio's process id (for benchmarks that read its memory).</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public async Task StartAsync(Dictionary<string, string>? overrides = null)
    {
        var web = Path.Combine(AppContext.BaseDirectory, "ViralForge.Web.dll");
        var psi = new ProcessStartInfo(Launcher.Count > 0 ? Launcher[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in Launcher.Skip(1).Concat(Launcher.Count > 0 ? ["dotnet"] : []))
        {
            psi.ArgumentList.Add(arg);
        }
        psi.ArgumentList.Add(web);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__ViralForge"] = ConnectionString,
            ["Storage__ArtifactsPath"] = ArtifactsPath,
            ["Storage__OutboxPath"] = OutboxPath,
            ["Storage__WorkPath"] = Path.Combine(DataFolder, "work"),
            ["Storage__CachePath"] = Path.Combine(DataFolder, "cache"),
            // Test machines may have little disk; the floor's own test raises it explicitly.
            ["Storage__MinFreeMegabytes"] = "64",
            ["Setup__AdminEmail"] = AdminEmail,
            ["VIRALFORGE_ADMIN_PASSWORD"] = AdminPassword,
            ["Setup__CreateDemoVideo"] = "false",
            ["Media__X264Preset"] = "ultrafast",
            ["Pipeline__HeartbeatSeconds"] = "1",
            ["Pipeline__LostAfterSeconds"] = "4",
            ["Pipeline__DispatchEverySeconds"] = "1",
            ["Pipeline__RetryBaseDelaySeconds"] = "0.3",
            ["Pipeline__RetryMaxDelaySeconds"] = "2",
            ["Logging__LogLevel__Default"] = "Information",
        };
        foreach (var (k, v) in Settings.Concat(overrides ?? []))
        {
            env[k] = v;
        }
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The studio exited with {_process.ExitCode} while starting:\n{Log}");
            }
            try
            {
                if ((await http.GetAsync("health/live")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("The studio did not start within 90 s:\n" + Log);
    }

    /// <summary>SIGKILL: no shutdown hooks, no chance to hand work back.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            // SIGTERM: the graceful path.
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            await _process.WaitForExitAsync(cts.Token);
        }
    }

    public async Task<string> IssueApiKeyAsync(string role)
    {
        var key = Web.Security.ApiKeyAuthenticationHandler.NewKey();
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO api_keys (name, prefix, key_hash, role, created_by, created_at) VALUES ($1, $2, $3, $4, 'tests', now())", conn);
        cmd.Parameters.AddWithValue($"test-{role}-{Guid.NewGuid():N}");
        cmd.Parameters.AddWithValue(key[..8]);
        cmd.Parameters.AddWithValue(Web.Security.ApiKeyAuthenticationHandler.Hash(key));
        cmd.Parameters.AddWithValue(role);
        await cmd.ExecuteNonQueryAsync();
        return key;
    }

    public HttpClient Client(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }
        return client;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
            if (_log.Length > 400_000)
            {
                _log.Remove(0, 100_000);
            }
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
