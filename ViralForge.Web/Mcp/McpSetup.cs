using ViralForge.Web.Security;

namespace ViralForge.Web.Mcp;

/// <summary>The studio's MCP endpoint: streamable HTTP, an API key in X-Api-Key, tools filtered by the key's role.</summary>
public static class McpSetup
{
    public const string Path = "/mcp";

    public static IServiceCollection AddStudioMcp(this IServiceCollection services)
    {
        services.AddMcpServer(o => o.ServerInfo = new() { Name = "ViralForge", Version = typeof(McpSetup).Assembly.GetName().Version?.ToString(3) ?? "1.0.0" })
            // Stateless: any studio node can answer any request, so no session affinity is needed behind a balancer.
            .WithHttpTransport(o => o.Stateless = true)
            .AddAuthorizationFilters()
            .WithTools<StudioTools>();
        return services;
    }

    public static IEndpointRouteBuilder MapStudioMcp(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path).RequireAuthorization(Policies.View);
        return app;
    }
}
