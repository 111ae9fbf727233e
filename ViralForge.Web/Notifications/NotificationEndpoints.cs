using System.Security.Claims;
using ViralForge.Core.Notifications;
using ViralForge.Web.Security;

namespace ViralForge.Web.Notifications;

public sealed record MarkReadRequest(long[]? Ids);

/// <summary>The signed-in person's own notifications (the bell, over HTTP).</summary>
public static class NotificationEndpoints
{
    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(Policies.View);
        api.MapGet("/notifications", async (Notifier notifier, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var name = user.Identity!.Name!;
            return Results.Ok(new { unread = await notifier.UnreadAsync(name, ct), items = await notifier.ForAsync(name, 50, ct) });
        });
        api.MapPost("/notifications/read", async (MarkReadRequest? body, Notifier notifier, ClaimsPrincipal user, CancellationToken ct) =>
            Results.Ok(new { marked = await notifier.MarkReadAsync(user.Identity!.Name!, body?.Ids, ct) }));
        return app;
    }
}
