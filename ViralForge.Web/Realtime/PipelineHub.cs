using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using ViralForge.Core.Events;
using ViralForge.Web.Security;

namespace ViralForge.Web.Realtime;

/// <summary>Live pipeline events for browsers and API clients: one group per video, one for the board.</summary>
[Authorize(Policy = Policies.View)]
public sealed class PipelineHub : Hub
{
    public const string Path = "/hubs/pipeline";
    public const string BoardGroup = "board";

    public static string VideoGroup(Guid videoId) => $"video:{videoId:N}";

    public Task JoinBoard() => Groups.AddToGroupAsync(Context.ConnectionId, BoardGroup);

    public Task JoinVideo(Guid videoId) => Groups.AddToGroupAsync(Context.ConnectionId, VideoGroup(videoId));

    public Task LeaveVideo(Guid videoId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, VideoGroup(videoId));
}

/// <summary>Forwards the event bus (fed by PostgreSQL NOTIFY) to the hub's groups.</summary>
public sealed class PipelineHubForwarder(PipelineEventBus bus, IHubContext<PipelineHub> hub) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = bus.Subscribe(async e =>
        {
            await hub.Clients.Group(PipelineHub.BoardGroup).SendAsync("pipelineEvent", e);
            if (e.VideoId != Guid.Empty)
            {
                await hub.Clients.Group(PipelineHub.VideoGroup(e.VideoId)).SendAsync("pipelineEvent", e);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
