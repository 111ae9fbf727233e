using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using ViralForge.Core.Data;

namespace ViralForge.Core.Script.Prompts;

public enum DiffKind
{
    Same,
    Added,
    Removed,
}

public sealed record DiffLine(DiffKind Kind, string Text);

public sealed record FieldDiff(string Field, IReadOnlyList<DiffLine> Lines)
{
    public bool Changed => Lines.Any(l => l.Kind != DiffKind.Same);
}

/// <summary>Line-by-line differences between two versions of a template, field by field.</summary>
public static class PromptDiff
{
    public static IReadOnlyList<FieldDiff> Compare(PromptVersion older, PromptVersion newer) =>
    [
        Field("Persona", older.Persona, newer.Persona),
        Field("Instructions", older.Body, newer.Body),
        Field("Rules", older.Constraints, newer.Constraints),
        Field("Examples", Pretty(older.ExamplesJson), Pretty(newer.ExamplesJson)),
        Field("Banned phrases", older.BannedPhrases, newer.BannedPhrases),
    ];

    private static FieldDiff Field(string name, string older, string newer)
    {
        var model = InlineDiffBuilder.Diff(older.Replace("\r\n", "\n"), newer.Replace("\r\n", "\n"), ignoreWhiteSpace: false);
        return new FieldDiff(name, model.Lines.Select(l => new DiffLine(l.Type switch
        {
            ChangeType.Inserted => DiffKind.Added,
            ChangeType.Deleted => DiffKind.Removed,
            _ => DiffKind.Same,
        }, l.Text)).ToList());
    }

    private static string Pretty(string json)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(json)?.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) ?? "";
        }
        catch (System.Text.Json.JsonException)
        {
            return json;
        }
    }
}
