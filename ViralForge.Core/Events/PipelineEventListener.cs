using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ViralForge.Core.Events;

/// <summary>
/// In-process fan-out of pipeline events to whoever listens (Blazor circuits, the SignalR hub).
/// Subscribers must return quickly; each runs on its own so one slow circuit never delays another.
/// </summary>
public sealed class PipelineEventBus
{
    private readonly Lock _gate = new();
    private volatile Func<PipelineEvent, Task>[] _subscribers = [];

    public IDisposable Subscribe(Func<PipelineEvent, Task> handler)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }
        return new Subscription(this, handler);
    }

    public Task PublishAsync(PipelineEvent e) =>
        Task.WhenAll(_subscribers.Select(handler => Task.Run(async () =>
        {
            try
            {
                await handler(e);
            }
            catch (Exception)
            {
                // A failing subscriber (a closed circuit) must not stop the others.
            }
        })));

    private void Unsubscribe(Func<PipelineEvent, Task> handler)
    {
        lock (_gate)
        {
            _subscribers = _subscribers.Where(h => h != handler).ToArray();
        }
    }

    private sealed class Subscription(PipelineEventBus bus, Func<PipelineEvent, Task> handler) : IDisposable
    {
        public void Dispose() => bus.Unsubscribe(handler);
    }
}

/// <summary>LISTENs on PostgreSQL for pipeline events and hands them to the bus; reconnects after a database restart.</summary>
public sealed class PipelineEventListener(NpgsqlDataSource dataSource, PipelineEventBus bus, ILogger<PipelineEventListener> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, n) =>
                {
                    PipelineEvent? e = null;
                    try
                    {
                        e = JsonSerializer.Deserialize<PipelineEvent>(n.Payload, PipelineNotify.Json);
                    }
                    catch (JsonException)
                    {
                    }
                    if (e is not null)
                    {
                        _ = bus.PublishAsync(e);
                    }
                };
                await using (var cmd = new NpgsqlCommand($"LISTEN {PipelineNotify.Channel}", connection))
                {
                    await cmd.ExecuteNonQueryAsync(stoppingToken);
                }
                // A synthetic event lets pages refresh after a reconnect, in case they missed something.
                await bus.PublishAsync(new PipelineEvent(Guid.Empty, null, null, null, "Reconnected", null, null));
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or IOException or InvalidOperationException)
            {
                log.LogWarning("Pipeline event listener lost its connection ({Message}); reconnecting.", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
