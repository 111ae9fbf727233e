using ViralForge.Core.Events;

namespace ViralForge.Web.Components.Shared;

/// <summary>
/// A component's subscription to pipeline events: state changes trigger a (coalesced) reload,
/// progress events update in place. Marshals onto the circuit with InvokeAsync and is disposed with it.
/// </summary>
public sealed class LiveEvents : IDisposable
{
    private readonly IDisposable _subscription;
    private readonly Func<Func<Task>, Task> _invoke;
    private readonly Func<Task> _reload;
    private int _reloadPending;

    public LiveEvents(PipelineEventBus bus, Func<PipelineEvent, bool> filter, Func<Func<Task>, Task> invoke, Func<Task> reload, Action<PipelineEvent>? onProgress = null)
    {
        _invoke = invoke;
        _reload = reload;
        _subscription = bus.Subscribe(async e =>
        {
            if (!filter(e) && e.Status != "Reconnected")
            {
                return;
            }
            if (e.Fraction is not null && onProgress is not null)
            {
                await _invoke(() => { onProgress(e); return Task.CompletedTask; });
                return;
            }
            if (Interlocked.Exchange(ref _reloadPending, 1) == 1)
            {
                return;
            }
            // Coalesce bursts (six scenes finishing together) into one reload.
            await Task.Delay(150);
            Interlocked.Exchange(ref _reloadPending, 0);
            await _invoke(_reload);
        });
    }

    public void Dispose() => _subscription.Dispose();
}
