using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;

namespace ViralForge.Web.Security;

/// <summary>One row of the access table: who may call an endpoint, as its metadata says.</summary>
public sealed record EndpointRule(string Route, string Methods, string Access);

/// <summary>
/// Reads every mapped endpoint's authorization metadata. Anything without a policy falls to the
/// fallback policy (admins only), so a forgotten check closes an endpoint instead of opening it;
/// the table is served to admins and checked by the access-matrix test.
/// </summary>
public static class EndpointAccess
{
    public const string Fallback = "fallback (admin only)";
    public const string Anonymous = "anonymous";

    public static AuthorizationPolicy FallbackPolicy { get; } = new AuthorizationPolicyBuilder()
        .AddRequirements(new UndeclaredEndpointRequirement())
        .Build();

    public static IReadOnlyList<EndpointRule> Describe(IEnumerable<EndpointDataSource> sources) =>
        sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Select(e => new EndpointRule(
                "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'),
                e.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 } m ? string.Join(",", m.HttpMethods) : "*",
                AccessOf(e.Metadata)))
            .Distinct()
            .OrderBy(r => r.Route, StringComparer.Ordinal).ThenBy(r => r.Methods, StringComparer.Ordinal)
            .ToList();

    private static string AccessOf(EndpointMetadataCollection metadata)
    {
        // Later metadata wins, as in the authorization middleware: AllowAnonymous anywhere opens it.
        if (metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return Anonymous;
        }
        var data = metadata.GetOrderedMetadata<IAuthorizeData>();
        var policies = metadata.GetOrderedMetadata<AuthorizationPolicy>();
        if (data.Count == 0 && policies.Count == 0)
        {
            return Fallback;
        }
        var names = data.Select(d => d.Policy ?? (d.Roles is { Length: > 0 } roles ? "roles:" + roles : "signed-in")).ToList();
        names.AddRange(policies.Select(_ => "policy"));
        return string.Join("+", names.Distinct());
    }
}

/// <summary>The fallback's rule: a mapped endpoint that declares no policy is for admins only.</summary>
public sealed class UndeclaredEndpointRequirement : IAuthorizationRequirement;

/// <summary>
/// Requests the router answers itself (405, 415, a re-executed "not found", a path nothing maps) carry
/// no mapped endpoint and run no application code: they pass, so people see "415" or "not found"
/// rather than a false "403" or a sign-in page.
/// </summary>
public sealed class UndeclaredEndpointHandler : AuthorizationHandler<UndeclaredEndpointRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, UndeclaredEndpointRequirement requirement)
    {
        var endpoint = (context.Resource as HttpContext)?.GetEndpoint();
        if (endpoint is not RouteEndpoint || context.User.IsInRole(Roles.Admin))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
