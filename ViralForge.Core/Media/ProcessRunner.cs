using System.Diagnostics;
using System.Text;

namespace ViralForge.Core.Media;

public sealed record ProcessResult(int ExitCode, string StdOut, string StdErrTail, TimeSpan Elapsed);

public sealed class ExternalToolException(string tool, string message, string? stderrTail = null, bool transient = true)
    : Exception(message)
{
    public string Tool { get; } = tool;
    public string? StdErrTail { get; } = stderrTail;
    public bool Transient { get; } = transient;
}

/// <summary>
/// Runs a command-line tool without a shell: arguments passed as a list, stdout and stderr drained
/// concurrently, a hard timeout, the whole process tree killed on timeout or cancellation.
/// </summary>
public static class ProcessRunner
{
    private const int StdErrTailChars = 4000;

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        CancellationToken ct,
        Action<string>? onStdErrLine = null,
        Action<string>? onStdOutLine = null,
        bool captureStdOut = true)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            onStdOutLine?.Invoke(e.Data);
            if (captureStdOut)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
                if (stderr.Length > StdErrTailChars * 2)
                {
                    stderr.Remove(0, stderr.Length - StdErrTailChars);
                }
            }
            onStdErrLine?.Invoke(e.Data);
        };

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ExternalToolException(fileName, $"{fileName} could not be started ({ex.Message}). Is it installed? scripts/run installs it.", transient: false);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token);
        }
        catch (OperationCanceledException)
        {
            TryKill(process);
            if (ct.IsCancellationRequested)
            {
                throw;
            }
            throw new ExternalToolException(fileName, $"{Path.GetFileName(fileName)} did not finish within {timeout.TotalSeconds:0} s and was stopped.", Tail(stderr));
        }
        // The parameterless wait flushes the asynchronous readers.
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.ToString(), Tail(stderr), stopwatch.Elapsed);
    }

    private static string Tail(StringBuilder sb)
    {
        lock (sb)
        {
            var s = sb.ToString();
            return s.Length <= StdErrTailChars ? s : s[^StdErrTailChars..];
        }
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
