using System.Net;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// What every stand-in platform shares: an HTTP listener on a free loopback port, and a way for a test
/// to hold one phase of the protocol open (for example while it kills the studio) and release it.
/// </summary>
public abstract class LoopbackServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected LoopbackServer()
    {
        (_listener, var port) = LoopbackListener.Start();
        BaseUrl = $"http://127.0.0.1:{port}/";
        // Requests arrive only after the test has the address, so the subclass is fully built by then.
        _loop = Task.Run(() => LoopbackListener.ServeAsync(_listener, HandleAsync, Stopping.Token));
    }

    public string BaseUrl { get; }

    /// <summary>Completed when a held phase has been reached.</summary>
    public TaskCompletionSource Held { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected CancellationTokenSource Stopping { get; } = new();

    public void Release()
    {
        _release.TrySetResult();
        _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Tells the test the phase is reached and waits until it releases it (or the server stops).</summary>
    protected async Task HoldAsync()
    {
        Held.TrySetResult();
        await _release.Task.WaitAsync(Stopping.Token);
    }

    protected abstract Task HandleAsync(HttpListenerContext context);

    public async ValueTask DisposeAsync()
    {
        await Stopping.CancelAsync();
        _release.TrySetResult();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
        }
        await DisposeMoreAsync();
        Stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What a subclass holds beyond the listener.</summary>
    protected virtual ValueTask DisposeMoreAsync() => ValueTask.CompletedTask;
}
