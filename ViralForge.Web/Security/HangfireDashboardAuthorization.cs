using Hangfire.Dashboard;

namespace ViralForge.Web.Security;

/// <summary>The endpoint's policy already requires an admin; this re-checks inside Hangfire's own pipeline.</summary>
public sealed class HangfireDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Roles.Admin);
}
