using System.Security.Claims;

namespace ViralForge.Core.Security;

public static class Roles
{
    public const string Creator = "creator";
    public const string Reviewer = "reviewer";
    public const string Admin = "admin";
    public static readonly string[] All = [Creator, Reviewer, Admin];
}

/// <summary>
/// Who is acting, passed into commands so they check the role themselves: a page or endpoint that
/// forgot its policy still cannot make a creator an admin or let a creator approve.
/// </summary>
public sealed record StudioActor(string Name, IReadOnlySet<string> Roles)
{
    public static StudioActor From(ClaimsPrincipal user) => new(
        user.Identity is { IsAuthenticated: true, Name: { } name } ? name : "anonymous",
        user.Identity?.IsAuthenticated == true ? user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal) : new HashSet<string>());

    /// <summary>The studio itself (a sheet sync, the demo at first start), acting in one role.</summary>
    public static StudioActor System(string name, string role) => new(name, new HashSet<string>([role], StringComparer.Ordinal));

    public bool IsIn(string role) => Roles.Contains(role) || Roles.Contains(Security.Roles.Admin);

    /// <returns>The actor's name, for the audit.</returns>
    public string Require(string role) => IsIn(role)
        ? Name
        : throw new UnauthorizedAccessException($"{Name} may not do this: it needs the {role} role.");
}
