using System.Globalization;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;

namespace ViralForge.Core.Trends;

/// <summary>How the drafts from trends are written.</summary>
public sealed record DraftChoices(string Tone = "informative", int Seconds = 30, string Template = ScriptRequest.DefaultTemplate, string FallbackLanguage = "en");

public sealed record DraftOutcome(long ItemId, string Title, Guid? VideoId, string? Error);

/// <summary>
/// "Draft all": one video per selected trend, each a Script run that asks the script model and then
/// waits for the creator like any draft. The trend's text reaches the model only as the delimited topic.
/// </summary>
public sealed class TrendDrafts(TrendQueries queries, PipelineCommands commands, ScriptWriter writer)
{
    public const int MaxAtOnce = 25;

    public async Task<IReadOnlyList<DraftOutcome>> DraftAllAsync(IReadOnlyList<long> itemIds, DraftChoices choices, Security.StudioActor actor, CancellationToken ct)
    {
        if (!writer.IsAvailable)
        {
            throw new TrendCommandException(writer.Unavailable);
        }
        if (itemIds.Count is 0 or > MaxAtOnce)
        {
            throw new TrendCommandException($"Select 1–{MaxAtOnce} trends to draft at once.");
        }
        var outcomes = new List<DraftOutcome>();
        foreach (var (link, topic, language) in await queries.TopicsAsync(itemIds.Distinct().ToList(), ct))
        {
            var request = new ScriptRequest(topic, choices.Tone, choices.Seconds, LanguageFor(language, choices.FallbackLanguage), choices.Template);
            try
            {
                var video = await commands.CreateFromBriefAsync(request, null, actor, ct, link);
                outcomes.Add(new DraftOutcome(link.ItemId, link.Title, video.Id, null));
            }
            catch (PipelineCommandException ex)
            {
                // One trend that cannot become a draft does not stop the others.
                outcomes.Add(new DraftOutcome(link.ItemId, link.Title, null, ex.Message));
            }
        }
        return outcomes;
    }

    /// <summary>The trend's language when the studio knows it ("en-US" → "en-US", "xx" → the fallback).</summary>
    public static string LanguageFor(string? language, string fallback)
    {
        if (string.IsNullOrWhiteSpace(language))
        {
            return fallback;
        }
        try
        {
            var culture = CultureInfo.GetCultureInfo(language, predefinedOnly: true);
            return culture.Equals(CultureInfo.InvariantCulture) ? fallback : culture.Name;
        }
        catch (CultureNotFoundException)
        {
            return fallback;
        }
    }
}
