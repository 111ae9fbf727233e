using System.Text.Json.Nodes;

namespace ViralForge.Core.Publishing;

/// <summary>Reads a channel's non-secret per-platform settings (webhook URL, YouTube category, …).</summary>
public static class ChannelSettings
{
    public static string? Text(Channel channel, string name) =>
        Parse(channel)[name] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;

    public static bool Bool(Channel channel, string name) =>
        Parse(channel)[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public static JsonObject Parse(Channel channel)
    {
        try
        {
            return JsonNode.Parse(string.IsNullOrWhiteSpace(channel.SettingsJson) ? "{}" : channel.SettingsJson) as JsonObject ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }
}
