using System.Security.Claims;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Storage;
using ViralForge.Core.Uploads;
using ViralForge.Web.Security;

namespace ViralForge.Web.Storage;

public sealed record FloorRequest(long? Megabytes);

public sealed record RetentionRequest(double? Days);

public sealed record QuotaRequest(long? Megabytes);

/// <summary>Storage for admins: what the store holds, free disk, and the floor below which new work waits.</summary>
public static class StorageEndpoints
{
    public static IEndpointRouteBuilder MapStorage(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(Policies.Admin);
        api.MapGet("/storage", async (StorageReport report, CancellationToken ct) =>
        {
            var summary = await report.SummarizeAsync(20, ct);
            return Results.Ok(new
            {
                freeBytes = summary.Disk.FreeBytes,
                totalBytes = summary.Disk.TotalBytes,
                floorBytes = summary.Disk.FloorBytes,
                belowFloor = summary.Disk.BelowFloor,
                message = summary.Disk.BelowFloor ? summary.Disk.Describe() : null,
                artifactBytes = summary.ArtifactBytes,
                storedBytes = summary.StoredBytes,
                workBytes = summary.WorkBytes,
                store = summary.Store,
                cacheBytes = summary.CacheBytes,
                byKind = summary.ByKind,
                largestVideos = summary.LargestVideos,
            });
        });
        api.MapPut("/storage/floor", (FloorRequest body, DiskGuard disk, ClaimsPrincipal user, CancellationToken ct) =>
            SetAsync(user, actor => disk.SetFloorMegabytesAsync(body.Megabytes ?? -1, actor, ct)));
        api.MapGet("/storage/collection", async (ArtifactCollector collector, CancellationToken ct) => Results.Ok(await collector.PlanAsync(ct)));
        api.MapPost("/storage/collection", async (ArtifactCollector collector, ClaimsPrincipal user, CancellationToken ct) =>
            Results.Ok(await collector.CollectAsync(StudioActor.From(user), ct)));
        api.MapPut("/storage/retention", (RetentionRequest body, ArtifactCollector collector, ClaimsPrincipal user, CancellationToken ct) =>
            SetAsync(user, actor => collector.SetRetentionDaysAsync(body.Days ?? -1, actor, ct)));
        api.MapGet("/storage/quota", async (UploadQuota quota, CancellationToken ct) =>
            Results.Ok(new { megabytes = await quota.QuotaMegabytesAsync(ct), uploaders = await quota.UsageAsync(50, ct) }));
        api.MapPut("/storage/quota", (QuotaRequest body, UploadQuota quota, ClaimsPrincipal user, CancellationToken ct) =>
            SetAsync(user, actor => quota.SetQuotaMegabytesAsync(body.Megabytes ?? -1, actor, ct)));
        return app;
    }

    /// <summary>An admin's storage setting: 204, or 400 with why the value was refused.</summary>
    private static async Task<IResult> SetAsync(ClaimsPrincipal user, Func<StudioActor, Task> set)
    {
        try
        {
            await set(StudioActor.From(user));
            return Results.NoContent();
        }
        catch (PipelineCommandException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }
}
