using System.Security.Claims;

namespace ViralForge.Web.Security;

public sealed record NewUserRequest(string? Email, string? Password, string[]? Roles);

public sealed record RolesRequest(string[]? Roles);

/// <summary>The Users page's commands over HTTP (admin keys or sessions), for automation.</summary>
public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(Policies.Admin);
        api.MapGet("/users", async (UserAdministration users, CancellationToken ct) => Results.Ok(await users.ListAsync(ct)));
        api.MapPost("/users", (NewUserRequest body, UserAdministration users, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(() => users.AddAsync(StudioActor.From(user), body.Email ?? "", body.Password ?? "", body.Roles ?? [], ct)));
        api.MapPut("/users/{id}/roles", (string id, RolesRequest body, UserAdministration users, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(() => users.SetRolesAsync(StudioActor.From(user), id, body.Roles ?? [], ct)));
        api.MapPost("/users/{id}/disable", (string id, UserAdministration users, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(() => users.DisableAsync(StudioActor.From(user), id, ct)));
        api.MapPost("/users/{id}/enable", (string id, UserAdministration users, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(() => users.EnableAsync(StudioActor.From(user), id, ct)));
        api.MapPost("/users/{id}/reset-password", (string id, UserAdministration users, ClaimsPrincipal user, CancellationToken ct) =>
            RunAsync(async () => Results.Ok(new { password = await users.ResetPasswordAsync(StudioActor.From(user), id, ct) })));
        return app;
    }

    private static Task<IResult> RunAsync(Func<Task> command) =>
        RunAsync(async () =>
        {
            await command();
            return Results.NoContent();
        });

    private static async Task<IResult> RunAsync(Func<Task<IResult>> command)
    {
        try
        {
            return await command();
        }
        catch (UserCommandException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden);
        }
    }
}
