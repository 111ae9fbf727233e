using System.Text.Json.Nodes;

namespace ViralForge.Core.Publishing;

/// <summary>A publisher's resumable notes in <see cref="Publication.DetailsJson"/> (TikTok's publish id, Instagram's container).</summary>
public static class PublicationDetails
{
    public static string? Text(Publication publication, string name) =>
        Parse(publication)[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static bool Flag(Publication publication, string name) =>
        Parse(publication)[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public static long? Number(Publication publication, string name) =>
        Parse(publication)[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    /// <summary>Sets (or with null removes) notes; for use inside a checkpoint.</summary>
    public static void Set(Publication publication, params (string Name, JsonNode? Value)[] values)
    {
        var details = Parse(publication);
        foreach (var (name, value) in values)
        {
            if (value is null)
            {
                details.Remove(name);
            }
            else
            {
                details[name] = value;
            }
        }
        publication.DetailsJson = details.ToJsonString();
    }

    private static JsonObject Parse(Publication publication)
    {
        try
        {
            return JsonNode.Parse(string.IsNullOrWhiteSpace(publication.DetailsJson) ? "{}" : publication.DetailsJson) as JsonObject ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }
}
