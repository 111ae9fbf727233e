using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Authorization;
using ViralForge.Core.Composition;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Narration;
using ViralForge.Core.Uploads;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;
using ViralForge.Core.Storage;
using ViralForge.Web.Security;
using ViralForge.Web.Videos;

namespace ViralForge.Web.Api;

/// <summary>Either a finished script, or a request for the script model to write one.</summary>
public sealed record CreateVideoRequest(string? Brief, ScriptDocument? Script, JsonObject? Parameters, GenerateScriptRequest? Generate = null);

public sealed record GenerateScriptRequest(string? Topic, string? Tone, int? Seconds, string? Language, string? Template, bool? AutoContinue, long? Seed)
{
    public ScriptRequest ToRequest() => new(Topic ?? "", Tone ?? "informative", Seconds ?? 30, Language ?? "en", Template ?? ScriptRequest.DefaultTemplate, Seed, AutoContinue ?? false);
}

/// <summary>The creator's word on a script draft: an edited script (or none, to keep the draft) and whether to go on.</summary>
public sealed record SaveDraftRequest(ScriptDocument? Script, bool Proceed);

public sealed record RejectRequest(string? Reason);

/// <summary>Channels (default ones when none) and when: <c>slot</c> "next" (the channel's next free slot), "now", or "at" with <c>publishAt</c>.</summary>
public sealed record ApproveRequest(DateTimeOffset? PublishAt, int[]? Channels = null, string? Slot = null)
{
    public Core.Publishing.PublishPlan? ToPlan()
    {
        var slot = Slot?.ToLowerInvariant() switch
        {
            null or "" => PublishAt is null ? Core.Publishing.SlotChoice.Next : Core.Publishing.SlotChoice.At,
            "next" => Core.Publishing.SlotChoice.Next,
            "now" => Core.Publishing.SlotChoice.Now,
            "at" => Core.Publishing.SlotChoice.At,
            _ => throw new PipelineCommandException($"Slot “{Slot}” is not one of next, now, at."),
        };
        return new Core.Publishing.PublishPlan(Channels, slot, PublishAt);
    }
}

public sealed record RetryRequest(int? Scene, JsonObject? Parameters);

public sealed record ChooseCandidateRequest(Guid CandidateId);

/// <summary>The REST API: what the studio does, for scripts and other tools. Authenticated by API key or cookie.</summary>
public static class VideoEndpoints
{
    public static IEndpointRouteBuilder MapVideoApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("ViralForge");
        api.MapGet("/videos", async (VideoQueries q, int? take, bool? archived, CancellationToken ct) => Results.Ok(await q.ListAsync(Math.Clamp(take ?? 50, 1, 500), ct, archived ?? false)))
            .RequireAuthorization(Policies.View);
        api.MapPost("/videos/{id:guid}/archive", (Guid id, PipelineCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
                RunAsync(() => commands.ArchiveAsync(id, archive: true, StudioActor.From(user), ct), id))
            .RequireAuthorization(Policies.Admin);
        api.MapPost("/videos/{id:guid}/unarchive", (Guid id, PipelineCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
                RunAsync(() => commands.ArchiveAsync(id, archive: false, StudioActor.From(user), ct), id))
            .RequireAuthorization(Policies.Admin);
        api.MapDelete("/videos/{id:guid}", (Guid id, PipelineCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
                RunAsync(() => commands.DeleteAsync(id, StudioActor.From(user), ct), id))
            .RequireAuthorization(Policies.Admin);
        api.MapGet("/videos/{id:guid}", async (Guid id, VideoQueries q, CancellationToken ct) =>
                await q.GetAsync(id, ct) is { } video ? Results.Ok(video) : Problem404(id))
            .RequireAuthorization(Policies.View);
        api.MapPost("/videos", CreateAsync).RequireAuthorization(Policies.Create);
        api.MapPost("/videos/{id:guid}/script", async (Guid id, SaveDraftRequest body, PipelineCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
                await RunAsync(async () => RunsAccepted(id, await commands.SaveDraftAsync(id, body.Script, body.Proceed, StudioActor.From(user), ct)), id))
            .RequireAuthorization(Policies.Create);
        api.MapGet("/script-model", (ScriptWriter writer, Core.Script.Models.ScriptModels models) =>
                Results.Ok(new { available = writer.IsAvailable, model = models.Describe(), problem = writer.IsAvailable ? null : writer.Unavailable }))
            .RequireAuthorization(Policies.View);
        api.MapPost("/videos/{id:guid}/approve", async (Guid id, ApproveRequest? body, PipelineCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
                await RunAsync(() => commands.ApproveAsync(id, StudioActor.From(user), body?.ToPlan(), ct), id))
            .RequireAuthorization(Policies.Review);
        api.MapPost("/videos/{id:guid}/reject", async (Guid id, RejectRequest body, PipelineCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
                await RunAsync(() => commands.RejectAsync(id, StudioActor.From(user), body.Reason ?? "", ct), id))
            .RequireAuthorization(Policies.Review);
        api.MapPost("/videos/{id:guid}/stages/{stage}/retry", RetryAsync).RequireAuthorization(Policies.Create);
        // A reviewer's choice among a scene's candidates: {stage} is keyframes (stock photos), narration or clips.
        api.MapPost("/videos/{id:guid}/scenes/{scene:int}/{stage}/choose", async (Guid id, int scene, string stage, ChooseCandidateRequest body, PipelineCommands commands, ClaimsPrincipal user, CancellationToken ct) =>
                Enum.TryParse<StageKind>(stage, ignoreCase: true, out var kind)
                    ? await RunAsync(async () => RunsAccepted(id, await commands.ChooseCandidateAsync(id, kind, scene - 1, body.CandidateId, StudioActor.From(user), ct)), id)
                    : Results.Problem($"Unknown stage '{stage}'; candidates exist for keyframes, narration and clips.", statusCode: StatusCodes.Status400BadRequest))
            .RequireAuthorization(Policies.Review);
        api.MapGet("/stages/parameters", () => Results.Ok(StageParameters.All.ToDictionary(
                e => e.Key.ToString(),
                e => e.Value.Select(p => new { p.Name, type = p.Type.ToString(), p.Description, p.Min, p.Max, p.Choices, p.Default }))))
            .RequireAuthorization(Policies.View);
        api.MapGet("/voices", async (VoiceCatalog voices, CancellationToken ct) => Results.Ok(await voices.ListAsync(ct))).RequireAuthorization(Policies.View);
        // Multipart forms are CSRF-able with cookies, so uploads over HTTP take an API key only; the studio uploads through its circuit.
        api.MapGet("/uploads/quota", async (UploadQuota quota, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var state = await quota.StateAsync(Actor(user), ct);
            return Results.Ok(new { usedBytes = state.UsedBytes, quotaBytes = state.QuotaBytes, leftBytes = state.Limited ? state.LeftBytes : (long?)null });
        }).RequireAuthorization(Policies.Create);
        api.MapPost("/videos/{id:guid}/scenes/{scene:int}/upload", UploadAsync)
            .RequireAuthorization(new AuthorizeAttribute { Policy = Policies.Create, AuthenticationSchemes = ApiKeyAuthenticationHandler.SchemeName })
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(SceneUploadService.MaxBytes));
        return app;
    }

    private static async Task<IResult> CreateAsync(CreateVideoRequest body, PipelineCommands commands, ScriptWriter writer, ClaimsPrincipal user, CancellationToken ct)
    {
        try
        {
            StageParameters.CheckAll(body.Parameters, strict: true);
        }
        catch (StageParameterException ex)
        {
            return Results.Problem(ex.Message, title: "Unknown or invalid parameters", statusCode: StatusCodes.Status400BadRequest);
        }
        if (body.Generate is { } generate)
        {
            if (body.Script is not null)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["generate"] = ["Send either a script or generate, not both."] });
            }
            if (!writer.IsAvailable)
            {
                return Results.Problem(writer.Unavailable, title: "No script model", statusCode: StatusCodes.Status409Conflict);
            }
            var request = generate.ToRequest();
            var requestErrors = request.Validate();
            if (requestErrors.Count > 0)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["generate"] = requestErrors.ToArray() });
            }
            try
            {
                var drafted = await commands.CreateFromBriefAsync(request, body.Parameters, StudioActor.From(user), ct);
                return Results.Created($"/api/videos/{drafted.Id}", new { id = drafted.Id, status = drafted.Status.ToString(), url = $"/videos/{drafted.Id}" });
            }
            catch (DiskFloorException ex)
            {
                return DiskFull(ex);
            }
            catch (PipelineCommandException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
            }
        }
        if (body.Script is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["script"] = ["A script is required (title, scenes…), or 'generate' with a topic for the script model; see the README."] });
        }
        var errors = ScriptValidator.Validate(body.Script);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["script"] = errors.ToArray() });
        }
        try
        {
            var video = await commands.CreateVideoAsync(body.Brief ?? "", body.Script, body.Parameters, StudioActor.From(user), ct);
            return Results.Created($"/api/videos/{video.Id}", new { id = video.Id, status = video.Status.ToString(), url = $"/videos/{video.Id}" });
        }
        catch (DiskFloorException ex)
        {
            return DiskFull(ex);
        }
        catch (PipelineCommandException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    private static async Task<IResult> RetryAsync(Guid id, string stage, RetryRequest? body, PipelineCommands commands, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Enum.TryParse<StageKind>(stage, ignoreCase: true, out var kind))
        {
            return Results.Problem($"Unknown stage '{stage}'. Stages: {string.Join(", ", Enum.GetNames<StageKind>())}.", statusCode: StatusCodes.Status400BadRequest);
        }
        // Scenes are numbered from 1 for people; internally from 0.
        int? scene = body?.Scene is { } s ? s - 1 : null;
        return await RunAsync(async () => RunsAccepted(id, await commands.RetryAsync(id, kind, scene, body?.Parameters, StudioActor.From(user), ct)), id);
    }

    private static IResult RunsAccepted(Guid id, IReadOnlyList<StageRun> runs) =>
        Results.Accepted($"/api/videos/{id}", new { runs = runs.Select(r => new { r.Id, stage = r.Stage.ToString(), scene = r.SceneIndex + 1 }) });

    private static async Task<IResult> UploadAsync(Guid id, int scene, IFormFile file, [FromQuery] string? fit, [FromQuery] double? start,
        SceneUploadService uploads, ClaimsPrincipal user, CancellationToken ct)
    {
        FitMode? mode = fit?.ToLowerInvariant() switch
        {
            null or "" => null,
            "cover" => FitMode.Cover,
            "contain" => FitMode.Contain,
            _ => (FitMode?)(-1),
        };
        if (mode is (FitMode)(-1))
        {
            return Results.Problem($"Fit '{fit}' is unknown; use cover or contain.", statusCode: StatusCodes.Status400BadRequest);
        }
        try
        {
            await using var stream = file.OpenReadStream();
            var result = await uploads.UploadAsync(id, scene - 1, stream, file.FileName, mode, start ?? 0, StudioActor.From(user), ct);
            return Results.Accepted($"/api/videos/{id}", new
            {
                artifactId = result.ArtifactId,
                kind = result.Kind.ToString().ToLowerInvariant(),
                stage = result.Stage.ToString(),
                runs = result.RunIds,
                width = result.Media.Displayed.Width,
                height = result.Media.Displayed.Height,
                seconds = result.Media.Seconds,
            });
        }
        catch (MediaRejectedException ex)
        {
            return Results.Problem(ex.Message, title: "The file cannot be used", statusCode: StatusCodes.Status422UnprocessableEntity);
        }
        catch (DiskFloorException ex)
        {
            return DiskFull(ex);
        }
        catch (UploadQuotaException ex)
        {
            return Results.Problem(ex.Message, title: "Upload quota reached", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        catch (KeyNotFoundException)
        {
            return Problem404(id);
        }
        catch (StageParameterException ex)
        {
            return Results.Problem(ex.Message, title: "Unknown or invalid parameters", statusCode: StatusCodes.Status400BadRequest);
        }
        catch (PipelineCommandException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden);
        }
    }

    private static Task<IResult> RunAsync(Func<Task> action, Guid id) =>
        RunAsync(async () =>
        {
            await action();
            return Results.NoContent();
        }, id);

    /// <summary>A pipeline command as an HTTP answer: 404 for an unknown video, 409 with the reason when the command is refused.</summary>
    private static async Task<IResult> RunAsync(Func<Task<IResult>> action, Guid id)
    {
        try
        {
            return await action();
        }
        catch (KeyNotFoundException)
        {
            return Problem404(id);
        }
        catch (StageParameterException ex)
        {
            return Results.Problem(ex.Message, title: "Unknown or invalid parameters", statusCode: StatusCodes.Status400BadRequest);
        }
        catch (DiskFloorException ex)
        {
            return DiskFull(ex);
        }
        catch (PipelineCommandException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden);
        }
    }

    internal static IResult DiskFull(DiskFloorException ex) =>
        Results.Problem(ex.Message, title: "Not enough disk space", statusCode: StatusCodes.Status507InsufficientStorage);

    private static IResult Problem404(Guid id) => Results.Problem($"Video {id} does not exist.", statusCode: StatusCodes.Status404NotFound);

    public static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";
}

public static class MediaEndpoints
{
    /// <summary>Artifacts with HTTP range support so players can seek.</summary>
    public static IEndpointRouteBuilder MapMedia(this IEndpointRouteBuilder app)
    {
        app.MapGet("/media/{id:guid}", async (Guid id, IDbContextFactory<ViralForgeDbContext> dbFactory, ArtifactStore store, CancellationToken ct) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var artifact = await db.Artifacts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
            if (artifact is null)
            {
                return Results.NotFound();
            }
            return await StoredFileResults.ServeAsync(store, artifact, redirect: true, ct);
        }).RequireAuthorization(Policies.View);
        app.MapGet("/media/music/{name}", (string name, MusicLibrary music) =>
                music.PathOf(name) is { } path ? Results.File(path, "audio/" + Path.GetExtension(path).TrimStart('.'), enableRangeProcessing: true) : Results.NotFound())
            .RequireAuthorization(Policies.View);
        app.MapGet("/api/artifacts/{id:guid}", ([FromRoute] Guid id) => Results.Redirect($"/media/{id}")).RequireAuthorization(Policies.View);
        return app;
    }
}
