using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Trends;
using ViralForge.Web.Security;

namespace ViralForge.Web.Trends;

public sealed record TrendSourceRequest(
    string? Name, TrendSourceKind Kind, string? Address, TrendSourceSettings? Settings, string? Language,
    int? EveryMinutes, int? BudgetPerHour, int? MaxItems, bool? Enabled, string? BlockedWords)
{
    public TrendSourceInput ToInput() => new(Name ?? "", Kind, Address ?? "", Settings ?? new TrendSourceSettings(), Language,
        EveryMinutes ?? 30, BudgetPerHour ?? 60, MaxItems ?? 30, Enabled ?? true, BlockedWords ?? "");
}

public sealed record DraftRequest(long[]? Items, string? Tone, int? Seconds, string? Template);

/// <summary>Trends for creators (list, draft from them); sources and the Sheets desk for admins (add, change, health, fetch or sync now).</summary>
public static class TrendEndpoints
{
    public static IEndpointRouteBuilder MapTrends(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/trends", async (long? source, double? maxAgeHours, string? language, double? minScore, string? q, TrendSort? sort, int? page, int? pageSize,
                TrendQueries queries, CancellationToken ct) =>
            Results.Ok(await queries.ListAsync(new TrendFilter(source, maxAgeHours is > 0 ? TimeSpan.FromHours(maxAgeHours.Value) : null, language, minScore, q,
                sort ?? TrendSort.Hot, page ?? 0, pageSize ?? 50), ct)))
            .RequireAuthorization(Policies.Create);
        api.MapPost("/trends/drafts", async (DraftRequest body, TrendDrafts drafts, ClaimsPrincipal user, CancellationToken ct) =>
            {
                try
                {
                    var choices = new DraftChoices(body.Tone ?? "informative", body.Seconds ?? 30, body.Template ?? Core.Script.ScriptRequest.DefaultTemplate);
                    return Results.Ok(await drafts.DraftAllAsync(body.Items ?? [], choices, StudioActor.From(user), ct));
                }
                catch (TrendCommandException ex)
                {
                    return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
                }
            })
            .RequireAuthorization(Policies.Create);

        api.MapGet("/trend-sources", async (TrendSourceHealth health, CancellationToken ct) =>
                Results.Ok((await health.ListAsync(ct)).Select(Describe)))
            .RequireAuthorization(Policies.Admin);
        api.MapPost("/trend-sources", (TrendSourceRequest body, TrendSourceCommands commands, ClaimsPrincipal user, CancellationToken ct) => SaveAsync(null, body, commands, user, ct))
            .RequireAuthorization(Policies.Admin);
        api.MapPut("/trend-sources/{id:long}", (long id, TrendSourceRequest body, TrendSourceCommands commands, ClaimsPrincipal user, CancellationToken ct) => SaveAsync(id, body, commands, user, ct))
            .RequireAuthorization(Policies.Admin);
        api.MapDelete("/trend-sources/{id:long}", async (long id, TrendSourceCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
            {
                await commands.DeleteAsync(id, StudioActor.From(user), ct);
                return Results.NoContent();
            })
            .RequireAuthorization(Policies.Admin);
        api.MapPost("/trend-sources/{id:long}/fetch", async (long id, TrendSourceCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
            {
                await commands.FetchNowAsync(id, StudioActor.From(user), ct);
                return Results.Accepted();
            })
            .RequireAuthorization(Policies.Admin);
        api.MapGet("/sheets", async (IDbContextFactory<Core.Data.ViralForgeDbContext> dbFactory, Microsoft.Extensions.Options.IOptions<Core.Sheets.SheetsOptions> options,
                Core.Sheets.SheetsClient sheets, CancellationToken ct) =>
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var state = await db.SheetSyncState.AsNoTracking().SingleOrDefaultAsync(s => s.Id == 1, ct);
                return Results.Ok(new { configured = options.Value.IsConfigured, missing = options.Value.Missing, identity = sheets.Identity, state });
            })
            .RequireAuthorization(Policies.Admin);
        api.MapPost("/sheets/sync", (Hangfire.IBackgroundJobClient jobs, Microsoft.Extensions.Options.IOptions<Core.Sheets.SheetsOptions> options) =>
            {
                if (options.Value.Missing is { } missing)
                {
                    return Results.Problem(missing, statusCode: StatusCodes.Status409Conflict);
                }
                jobs.Create(Hangfire.Common.Job.FromExpression<Core.Sheets.SheetSync>(s => s.SyncAsync(CancellationToken.None)),
                    new Hangfire.States.EnqueuedState(Core.Pipeline.Queues.Outside));
                return Results.Accepted("/api/sheets");
            })
            .RequireAuthorization(Policies.Admin);
        return app;
    }

    private static async Task<IResult> SaveAsync(long? id, TrendSourceRequest body, TrendSourceCommands commands, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            var source = await commands.SaveAsync(id, body.ToInput(), StudioActor.From(user), ct);
            return id is null ? Results.Created($"/api/trend-sources/{source.Id}", new { source.Id }) : Results.Ok(new { source.Id });
        }
        catch (TrendCommandException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    private static object Describe(SourceHealth h) => new
    {
        h.Source.Id, h.Source.Name, kind = h.Source.Kind.ToString(), h.Source.Address, h.Source.Enabled, h.Source.EveryMinutes, h.Source.BudgetPerHour,
        budgetLeft = h.BudgetLeft, h.Source.LastSuccessAt, h.Source.LastErrorAt, h.Source.LastError, h.Source.Failures, stale = h.Source.IsStale,
        h.Source.NextRunAt, running = h.Source.RunningSince is not null, h.Source.ItemsLastRun,
        host = h.Host, circuit = h.Circuit.ToString(), h.OpenUntil, hostEvent = h.HostEvent, unconfigured = h.Unconfigured,
        videos = h.Numbers.Videos, live = h.Numbers.Live, views = h.Numbers.Views,
    };
}
