using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ViralForge.Core.Clips.Stock;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Keyframes.Stock;

/// <summary>
/// A scene's keyframe from a stock photo, so motion and SVD clips animate a real picture instead of a
/// card: search the configured providers with the scene's terms, skip photos another scene of the video
/// took, download a few (capped, timed, through the shared limiter), check each as hostile media, fit it
/// to 1080x1920 and offer them as candidates, the most relevant first.
/// </summary>
public sealed class StockPhotoKeyframes(
    IEnumerable<IStockPhotoProvider> providers,
    IHttpClientFactory httpFactory,
    MediaInspector inspector,
    MediaNormalizer normalizer,
    StockClaims claims,
    IOptions<StockOptions> options)
{
    public const string CandidatePrefix = "keyframe-candidate-";

    public string? Unavailable => options.Value.AnyConfigured ? null : "No stock provider is configured (Stock:Pexels:ApiKey or Stock:Pixabay:ApiKey).";

    public async Task<StageOutcome> MakeAsync(StageContext context, CancellationToken ct)
    {
        if (Unavailable is { } missing)
        {
            throw new PermanentStageException($"{missing} Use \"source\": \"card\" or upload a picture for this scene.");
        }
        var index = context.Run.SceneIndex!.Value;
        var terms = Trends.TrendText.Clean(context.Text("searchTerms", StockClips.TermsFor(context.Scene)), 100);
        var count = (int)context.Number("candidates", options.Value.Candidates, 1, 6);
        context.Detail(0, $"scene {index + 1}: searching stock photos for “{terms}”", newPhase: true);

        var found = await StockClaims.SearchAllAsync(providers.Where(p => p.IsConfigured).Select(p => (Func<CancellationToken, Task<IReadOnlyList<StockPhoto>>>)(c => p.SearchAsync(terms, c))), ct);
        var used = await claims.UsedElsewhereAsync(context, photos: true, ct);
        var recent = await claims.UsedRecentlyAsync(context.Video.Id, options.Value.AvoidRecentVideos, StageKind.Keyframes, "keyframe", ct);
        // Photos recent videos showed last (a reviewer may still pick one), then portrait ones first.
        var fitting = found.Where(p => !used.Contains(p.Key)).DistinctBy(p => p.Key).OrderBy(p => recent.Contains(p.Key)).ThenByDescending(p => p.Height >= p.Width).ToList();
        if (fitting.Count == 0)
        {
            throw new PermanentStageException(found.Count == 0
                ? $"No stock photo matched “{terms}”. Give scene {index + 1} other search terms (parameter searchTerms) or use \"source\": \"card\"."
                : $"All {found.Count} stock photos for “{terms}” are used by other scenes. Give scene {index + 1} other search terms (searchTerms).");
        }

        var files = new List<ProducedFile>();
        var refused = new List<string>();
        var k = 0;
        foreach (var photo in fitting)
        {
            if (k == count)
            {
                break;
            }
            if (!await claims.ClaimAsync(context, photo.Key, ct))
            {
                continue;
            }
            context.Detail(k / (double)count, $"scene {index + 1}: stock photo {k + 1}/{count} from {photo.Provider}");
            var download = context.WorkFile($"photo-{k + 1}.download");
            var output = context.WorkFile($"keyframe-{k + 1}.png");
            try
            {
                await StockDownload.ToFileAsync(httpFactory, options.Value, photo.Provider, photo.FileUrl, null, download, ct);
                var media = await inspector.InspectAsync(download, ct);
                if (media.Kind != MediaKind.Image)
                {
                    throw new MediaRejectedException("it is not a picture");
                }
                await normalizer.NormalizeImageAsync(download, media, FitMode.Cover, output, ct);
            }
            catch (Exception ex) when (ex is MediaRejectedException or TransientStageException or PermanentStageException or IOException)
            {
                refused.Add($"{photo.Provider} {photo.Id}: {ex.Message}");
                await claims.ReleaseAsync(context, photo.Key, ct);
                continue;
            }
            finally
            {
                File.Delete(download);
            }
            k++;
            var info = new JsonObject
            {
                ["source"] = "stock-photo",
                ["candidate"] = k,
                ["stock"] = photo.Key,
                ["provider"] = photo.Provider,
                ["page"] = photo.PageUrl,
                ["author"] = photo.Author,
                ["authorUrl"] = photo.AuthorUrl,
                ["credit"] = photo.Credit,
                ["terms"] = terms,
                ["usedRecently"] = recent.Contains(photo.Key),
                ["chosen"] = k == 1,
                ["chosenBy"] = "relevance",
            };
            files.Add(new ProducedFile($"{CandidatePrefix}{k}", output, "image/png", info.ToJsonString()));
            if (k == 1)
            {
                files.Add(new ProducedFile("keyframe", output, "image/png", info.ToJsonString()));
            }
        }
        if (files.Count == 0)
        {
            throw new PermanentStageException($"None of the stock photos for “{terms}” could be used: {string.Join("; ", refused.Take(4))}. Give scene {index + 1} other search terms (searchTerms) or use \"source\": \"card\".");
        }
        return StageOutcome.Produced([.. files]);
    }
}
