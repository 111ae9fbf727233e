using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Media;
using ViralForge.Core.Outside;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;

namespace ViralForge.Core.Clips.Stock;

/// <summary>
/// A scene's clip from stock footage: search the configured providers with the scene's terms, keep
/// files long enough for the scene and not used by another scene of the video, download a few (capped,
/// timed, every host through the shared limiter), check each as hostile media, normalise it to the
/// delivery spec, and offer them as candidates — the most relevant first, the others a reviewer's choice.
/// </summary>
public sealed class StockClips(
    IEnumerable<IStockVideoProvider> providers,
    IHttpClientFactory httpFactory,
    MediaInspector inspector,
    MediaNormalizer normalizer,
    StockClaims claims,
    IOptions<StockOptions> options)
{
    public string? Unavailable => options.Value.AnyConfigured ? null : "No stock provider is configured (Stock:Pexels:ApiKey or Stock:Pixabay:ApiKey).";

    /// <summary>The scene's own first search phrase when the script has one; else the first few meaningful words of its visual idea.</summary>
    public static string TermsFor(SceneScript scene)
    {
        if (scene.SearchTerms?.FirstOrDefault(t => !string.IsNullOrWhiteSpace(t)) is { } written)
        {
            return written.Trim();
        }
        var words = Trends.TrendText.TitleKey(scene.Visual).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length > 2 && !Filler.Contains(w)).Distinct().Take(4).ToList();
        return words.Count > 0 ? string.Join(' ', words) : Trends.TrendText.TitleKey(scene.Narration).Split(' ').FirstOrDefault(w => w.Length > 3) ?? "nature";
    }

    private static readonly HashSet<string> Filler = new(StringComparer.Ordinal)
    {
        "the", "and", "with", "from", "into", "onto", "over", "under", "that", "this", "shot", "close", "view", "scene", "showing", "shows", "visual", "image",
    };

    public async Task<StageOutcome> MakeAsync(StageContext context, double seconds, CancellationToken ct)
    {
        if (Unavailable is { } missing)
        {
            throw new PermanentStageException($"{missing} Use \"engine\": \"motion\" (or svd) for this scene.");
        }
        var index = context.Run.SceneIndex!.Value;
        var terms = Trends.TrendText.Clean(context.Text("searchTerms", TermsFor(context.Scene)), 100);
        var count = (int)context.Number("candidates", options.Value.Candidates, 1, 6);
        context.Detail(0, $"scene {index + 1}: searching stock footage for “{terms}”", newPhase: true);

        var found = await StockClaims.SearchAllAsync(providers.Where(p => p.IsConfigured).Select(p => (Func<CancellationToken, Task<IReadOnlyList<StockVideo>>>)(c => p.SearchAsync(terms, c))), ct);
        var used = await claims.UsedElsewhereAsync(context, photos: false, ct);
        var recent = await claims.UsedRecentlyAsync(context.Video.Id, options.Value.AvoidRecentVideos, StageKind.Clips, "clip", ct);
        var fitting = found.Where(v => v.Seconds >= seconds && !used.Contains(v.Key)).DistinctBy(v => v.Key)
            // Footage recent videos showed last (a reviewer may still pick it), then portrait material first
            // (it fills the frame); the providers' own relevance order within each.
            .OrderBy(v => recent.Contains(v.Key)).ThenByDescending(v => v.Height >= v.Width).ToList();
        if (fitting.Count == 0)
        {
            throw new PermanentStageException(found.Count == 0
                ? $"No stock video matched “{terms}”. Give scene {index + 1} other search terms (parameter searchTerms) or use \"engine\": \"motion\"."
                : $"None of the {found.Count} stock videos for “{terms}” is long enough ({seconds:0.#} s) and unused in this video. Give scene {index + 1} other search terms (searchTerms).");
        }

        var keyframeSha = context.Input(StageKind.Keyframes, index).ArtifactOf("keyframe").Sha256;
        var files = new List<ProducedFile>();
        var refused = new List<string>();
        var k = 0;
        foreach (var video in fitting)
        {
            if (k == count)
            {
                break;
            }
            if (!await claims.ClaimAsync(context, video.Key, ct))
            {
                continue;
            }
            context.Detail(k / (double)count, $"scene {index + 1}: stock candidate {k + 1}/{count} from {video.Provider}");
            var download = context.WorkFile($"stock-{k + 1}.download");
            var output = context.WorkFile($"stock-{k + 1}.mp4");
            try
            {
                await StockDownload.ToFileAsync(httpFactory, options.Value, video.Provider, video.FileUrl, video.FileBytes, download, ct);
                var media = await inspector.InspectAsync(download, ct);
                if (media.Kind != MediaKind.Video || media.Seconds < seconds)
                {
                    throw new MediaRejectedException($"it is {(media.Kind != MediaKind.Video ? "not a video" : $"only {media.Seconds:0.#} s long")}");
                }
                // Start a little in: stock clips often open on a fade.
                var start = Math.Max(0, Math.Min(1, media.Seconds - seconds));
                await normalizer.NormalizeVideoAsync(download, media, MediaNormalizer.DefaultFit(media), start, seconds, output, null, ct);
            }
            catch (Exception ex) when (ex is MediaRejectedException or TransientStageException or PermanentStageException or IOException)
            {
                refused.Add($"{video.Provider} {video.Id}: {ex.Message}");
                await claims.ReleaseAsync(context, video.Key, ct);
                continue;
            }
            finally
            {
                File.Delete(download);
            }
            k++;
            var info = new JsonObject
            {
                ["engine"] = "stock",
                ["seconds"] = seconds,
                ["candidate"] = k,
                ["stock"] = video.Key,
                ["provider"] = video.Provider,
                ["page"] = video.PageUrl,
                ["author"] = video.Author,
                ["authorUrl"] = video.AuthorUrl,
                ["credit"] = video.Credit,
                ["terms"] = terms,
                ["keyframe"] = keyframeSha,
                ["usedRecently"] = recent.Contains(video.Key),
                ["chosen"] = k == 1,
                ["chosenBy"] = "relevance",
            };
            files.Add(new ProducedFile($"{ClipStage.CandidatePrefix}{k}", output, "video/mp4", info.ToJsonString()));
            if (k == 1)
            {
                files.Add(new ProducedFile("clip", output, "video/mp4", info.ToJsonString()));
            }
        }
        if (files.Count == 0)
        {
            throw new PermanentStageException($"None of the stock videos for “{terms}” could be used: {string.Join("; ", refused.Take(4))}. Give scene {index + 1} other search terms (searchTerms) or use \"engine\": \"motion\".");
        }
        return StageOutcome.Produced([.. files]);
    }
}
