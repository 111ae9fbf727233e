using Microsoft.AspNetCore.Identity;
using ViralForge.Core.Data;

namespace ViralForge.Web.Security;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/Account/Logout", async (SignInManager<AppUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/Account/Login");
        }).RequireAuthorization();
        return app;
    }
}
