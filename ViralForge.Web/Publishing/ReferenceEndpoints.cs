using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Publishing.Duplicates;
using ViralForge.Core.Security;
using ViralForge.Web.Security;

namespace ViralForge.Web.Publishing;

/// <summary>The near-duplicate gate's reference content (admin): list, add by upload, forget.</summary>
public static class ReferenceEndpoints
{
    public static IEndpointRouteBuilder MapReferences(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/references", async (ReferenceLibrary library, CancellationToken ct) =>
            {
                await library.SyncFolderAsync(ct);
                return Results.Ok(await library.ListAsync(ct));
            })
            .RequireAuthorization(Policies.Admin);
        // Multipart forms are CSRF-able with cookies, so this takes an API key only; the admin page uploads through its circuit.
        api.MapPost("/references", AddAsync)
            .RequireAuthorization(new AuthorizeAttribute { Policy = Policies.Admin, AuthenticationSchemes = ApiKeyAuthenticationHandler.SchemeName })
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(ReferenceLibrary.MaxUploadBytes));
        api.MapDelete("/references/{id:long}", async (long id, ReferenceLibrary library, ClaimsPrincipal user, CancellationToken ct) =>
            {
                try
                {
                    await library.DeleteAsync(id, StudioActor.From(user), ct);
                    return Results.NoContent();
                }
                catch (KeyNotFoundException ex)
                {
                    return Results.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound);
                }
                catch (PipelineCommandException ex)
                {
                    return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
                }
            })
            .RequireAuthorization(Policies.Admin);
        return app;
    }

    private static async Task<IResult> AddAsync(IFormFile file, ReferenceLibrary library, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            await using var stream = file.OpenReadStream();
            var item = await library.AddAsync(file.FileName, stream, StudioActor.From(user), ct);
            return Results.Created($"/api/references/{item.Id}", item);
        }
        catch (MediaRejectedException ex)
        {
            return Results.Problem(ex.Message, title: "The file cannot be used", statusCode: StatusCodes.Status422UnprocessableEntity);
        }
    }
}
