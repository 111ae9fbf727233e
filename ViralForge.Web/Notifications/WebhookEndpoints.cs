using System.Security.Claims;
using ViralForge.Core.Notifications;
using ViralForge.Core.Notifications.Webhooks;
using ViralForge.Core.Pipeline;
using ViralForge.Web.Security;

namespace ViralForge.Web.Notifications;

public sealed record WebhookRequest(string? Name, string? Url, NotificationKind[]? Kinds, bool? Enabled);

/// <summary>Admins' notification webhooks: add (the secret is in the answer, once), edit, rotate the secret, test, the delivery log, redeliver.</summary>
public static class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(Policies.Admin);
        api.MapGet("/webhooks", async (NotificationWebhooks hooks, CancellationToken ct) =>
            Results.Ok(new { kinds = NotificationWebhooks.Subscribable, webhooks = await hooks.ListAsync(ct) }));
        api.MapPost("/webhooks", (WebhookRequest body, NotificationWebhooks hooks, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(async () =>
            {
                var made = await hooks.AddAsync(body.Name, body.Url, body.Kinds, StudioActor.From(user), ct);
                return Results.Created($"/api/webhooks/{made.Webhook.Id}", new { webhook = made.Webhook, secret = made.Secret });
            }));
        api.MapPut("/webhooks/{id:int}", (int id, WebhookRequest body, NotificationWebhooks hooks, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(async () =>
            {
                await hooks.UpdateAsync(id, body.Name, body.Url, body.Kinds, body.Enabled, StudioActor.From(user), ct);
                return Results.NoContent();
            }));
        api.MapDelete("/webhooks/{id:int}", (int id, NotificationWebhooks hooks, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(async () =>
            {
                await hooks.DeleteAsync(id, StudioActor.From(user), ct);
                return Results.NoContent();
            }));
        api.MapPost("/webhooks/{id:int}/secret", (int id, NotificationWebhooks hooks, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(async () => Results.Ok(new { secret = await hooks.RotateSecretAsync(id, StudioActor.From(user), ct) })));
        api.MapPost("/webhooks/{id:int}/test", (int id, NotificationWebhooks hooks, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(async () => Results.Accepted("/api/webhooks/deliveries", new { delivery = await hooks.SendTestAsync(id, StudioActor.From(user), ct) })));
        api.MapGet("/webhooks/deliveries", async (int? webhook, int? take, NotificationWebhooks hooks, CancellationToken ct) =>
            Results.Ok(await hooks.DeliveriesAsync(webhook, Math.Clamp(take ?? 100, 1, 500), ct)));
        api.MapPost("/webhooks/deliveries/{id:long}/redeliver", (long id, NotificationWebhooks hooks, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(async () =>
            {
                await hooks.RedeliverAsync(id, StudioActor.From(user), ct);
                return Results.Accepted("/api/webhooks/deliveries");
            }));
        return app;
    }

    private static async Task<IResult> RunAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (KeyNotFoundException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound);
        }
        catch (PipelineCommandException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }
}
