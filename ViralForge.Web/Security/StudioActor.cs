using System.Security.Claims;

namespace ViralForge.Web.Security;

/// <summary>
/// Who is acting, passed into commands so they check the role themselves: a page or endpoint that
/// forgot its policy still cannot make a creator an admin.
/// </summary>
public sealed record StudioActor(string Name, IReadOnlySet<string> Roles)
{
    public static StudioActor From(ClaimsPrincipal user) => new(
        user.Identity is { IsAuthenticated: true, Name: { } name } ? name : "anonymous",
        user.Identity?.IsAuthenticated == true ? user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal) : new HashSet<string>());

    public bool IsIn(string role) => Roles.Contains(role) || Roles.Contains(Security.Roles.Admin);

    public void Require(string role)
    {
        if (!IsIn(role))
        {
            throw new UnauthorizedAccessException($"{Name} may not do this: it needs the {role} role.");
        }
    }
}
