using ViralForge.Web.Extensions;
using ViralForge.Web.Setup;

var builder = WebApplication.CreateBuilder(args);
// --role and --queues name Node:Role and Node:Queues (also Node__Role in the environment); a bare ROLE
// variable some other tool set must not turn a studio into a worker.
builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--role"] = "Node:Role", ["--queues"] = "Node:Queues" });
var role = NodeRole.From(builder.Configuration);
if (role.IsWorker)
{
    // --role worker [--queues gpu,media,default,outside]: no UI, a Hangfire server and /health.
    builder.AddViralForgeWorker(role);
    var worker = builder.Build();
    worker.UseViralForgeWorker();
    await StudioInitializer.MigrateAsync(worker.Services, worker.Lifetime.ApplicationStopping);
    await worker.RunAsync();
    return;
}
// Serves package assets (MudBlazor) from a build output too, not only from a publish folder.
builder.WebHost.UseStaticWebAssets();
builder.AddViralForge();

var app = builder.Build();
app.UseViralForge();

await StudioInitializer.InitializeAsync(app.Services, app.Lifetime.ApplicationStopping);

await app.RunAsync();

/// <summary>Entry point; public so tests can locate the assembly.</summary>
public partial class Program;
