using Microsoft.Net.Http.Headers;
using ViralForge.Core.Data;
using ViralForge.Core.Storage;

namespace ViralForge.Web.Api;

/// <summary>One stored file as an HTTP answer: seekable (ranges), cacheable by its hash, and honest when the store is not there.</summary>
public static class StoredFileResults
{
    /// <param name="redirect">Send the browser to the store itself when the store allows it (presigned, range-capable).</param>
    public static async Task<IResult> ServeAsync(ArtifactStore store, Artifact artifact, bool redirect, CancellationToken ct)
    {
        try
        {
            if (redirect && await store.BrowserUrlAsync(artifact, ct) is { } url)
            {
                return Results.Redirect(url.ToString());
            }
            var path = await store.TryLocalPathAsync(artifact.StoreKey, ct);
            return path is null
                ? Results.Problem("The file is no longer kept in the artifact store.", statusCode: StatusCodes.Status410Gone)
                : Results.File(path, artifact.ContentType, fileDownloadName: null, lastModified: artifact.CreatedAt,
                    entityTag: new EntityTagHeaderValue($"\"{artifact.Sha256}\""), enableRangeProcessing: true);
        }
        catch (ArtifactStoreUnavailableException ex)
        {
            return new UnavailableResult(ex.Message);
        }
        catch (StoredFileCorruptException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway);
        }
    }

    private sealed class UnavailableResult(string detail) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = "30";
            return Results.Problem(detail + " Try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(httpContext);
        }
    }
}
