using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MudBlazor.Services;
using ViralForge.Core.Data;
using ViralForge.Core.Extensions;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;
using ViralForge.Gpu.Worker;
using ViralForge.Web.Api;
using ViralForge.Web.Health;
using ViralForge.Web.Mcp;
using ViralForge.Web.Realtime;
using ViralForge.Web.Security;
using ViralForge.Web.Setup;
using ViralForge.Web.Videos;

namespace ViralForge.Web.Extensions;

public static class WebExtensions
{
    public static string ConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString("ViralForge") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("No database configured: set ConnectionStrings__ViralForge (scripts/run does this for the embedded PostgreSQL).");

    public static WebApplicationBuilder AddViralForge(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var connectionString = configuration.ConnectionString();

        services.AddViralForgeCore(configuration, connectionString);
        services.AddViralForgeGpu();
        var role = NodeRole.From(configuration);
        services.AddViralForgeHangfire(configuration, connectionString, role);
        services.AddNodeServices(role);
        services.AddOptions<SetupOptions>().Bind(configuration.GetSection(SetupOptions.Section))
            .PostConfigure(o => o.AdminPassword ??= Environment.GetEnvironmentVariable("VIRALFORGE_ADMIN_PASSWORD"));
        services.AddSingleton<DispatcherControl>();
        services.AddHostedService<DispatcherRegistration>();
        services.AddSingleton<VideoQueries>();
        services.AddSingleton<ApiKeyService>();
        services.AddHostedService<PipelineHubForwarder>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(35));

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(o => o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        services.AddSignalR();
        services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(o => o.MultipartBodyLengthLimit = Core.Uploads.SceneUploadService.MaxBytes);
        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

        AddAuth(services);
        services.AddStudioMcp();
        services.AddRequestProtection(configuration);
        services.AddStudioDataProtection();
        services.AddStudioHealthChecks(configuration);
        return builder;
    }

    private static void AddAuth(IServiceCollection services)
    {
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = "smart";
                o.DefaultChallengeScheme = "smart";
            })
            .AddPolicyScheme("smart", "Cookie or API key", o =>
                o.ForwardDefaultSelector = ctx => ctx.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.Header)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, _ => { })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/Account/Login";
            o.AccessDeniedPath = "/Account/Denied";
            o.Cookie.Name = "viralforge.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            // APIs answer 401/403 instead of redirecting to a login page.
            o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
        });
        services.AddIdentityCore<AppUser>(o =>
            {
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 8;
                o.User.RequireUniqueEmail = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ViralForgeDbContext>()
            .AddSignInManager<StudioSignInManager>()
            .AddDefaultTokenProviders();
        // Every cookie request re-checks the account (one indexed lookup), so disabling a user or
        // changing their roles takes effect on their next request, not in half an hour.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, CircuitRevalidation>();
        services.AddScoped<UserAdministration>();

        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, UndeclaredEndpointHandler>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(EndpointAccess.FallbackPolicy)
            .AddPolicy(Policies.View, p => p.RequireRole(Roles.Creator, Roles.Reviewer, Roles.Admin))
            .AddPolicy(Policies.Create, p => p.RequireRole(Roles.Creator, Roles.Admin))
            .AddPolicy(Policies.Review, p => p.RequireRole(Roles.Reviewer, Roles.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin));
    }

    private static Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int status)
    {
        if (IsMachinePath(ctx.Request.Path))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Paths answered with plain status codes (401/403/404), never a sign-in redirect or a friendly page.</summary>
    public static bool IsMachinePath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/media") || path.StartsWithSegments("/health")
        || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/hangfire") || path.StartsWithSegments("/public") || path.StartsWithSegments(Mcp.McpSetup.Path);

    public static WebApplication UseViralForge(this WebApplication app)
    {
        app.UseRequestProtection();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        // Friendly pages for people; API clients keep plain status codes.
        app.UseWhen(ctx => !IsMachinePath(ctx.Request.Path) && !ctx.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.Header),
            branch => branch.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<Components.App>().AddInteractiveServerRenderMode().Add(FrameworkEndpointAccess);
        app.MapVideoApi();
        app.MapMedia();
        Publishing.PublishingEndpoints.MapPublishing(app);
        Publishing.ReferenceEndpoints.MapReferences(app);
        Trends.TrendEndpoints.MapTrends(app);
        app.MapStudioMcp();
        app.MapAccountEndpoints();
        app.MapUserApi();
        Notifications.NotificationEndpoints.MapNotifications(app);
        Notifications.WebhookEndpoints.MapWebhooks(app);
        Storage.StorageEndpoints.MapStorage(app);
        app.MapHub<PipelineHub>(PipelineHub.Path);
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new HangfireDashboardAuthorization()],
            DashboardTitle = "ViralForge jobs",
            AppPath = "/admin/queues",
        }).RequireAuthorization(Policies.Admin);
        app.MapGet("/health/live", () => Results.Text("alive")).AllowAnonymous();
        app.MapGet("/api/workers", async (IDbContextFactory<ViralForgeDbContext> dbFactory, TimeProvider time, CancellationToken ct) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            return Results.Ok(await WorkerRegistry.ListAsync(db, time.GetUtcNow(), ct));
        }).RequireAuthorization(Policies.Admin);
        app.MapGet("/api/admin/endpoints", (EndpointDataSource endpoints) => Results.Ok(EndpointAccess.Describe([endpoints])))
            .RequireAuthorization(Policies.Admin);
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).RequireAuthorization(Policies.View);
        return app;
    }

    /// <summary>
    /// Blazor's own endpoints carry no policy of their own: the circuit hub is for anyone who may see
    /// the studio (pages still check their own policies), the redirect helper for anyone.
    /// </summary>
    private static void FrameworkEndpointAccess(EndpointBuilder endpoint)
    {
        if (endpoint is not RouteEndpointBuilder { RoutePattern.RawText: { } route })
        {
            return;
        }
        route = route.TrimStart('/');
        if (route.StartsWith("_blazor", StringComparison.Ordinal))
        {
            endpoint.Metadata.Add(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute(Policies.View));
        }
        else if (route.StartsWith("_framework/", StringComparison.Ordinal))
        {
            endpoint.Metadata.Add(new Microsoft.AspNetCore.Authorization.AllowAnonymousAttribute());
        }
    }

    internal static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data.Count == 0 ? null : e.Value.Data,
            }),
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
    }
}
