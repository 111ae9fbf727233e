using ViralForge.Core.Script;

namespace ViralForge.Web.Components.Shared;

/// <summary>A script as form fields: what the manual form and the draft editor bind to.</summary>
public sealed class EditableScript
{
    public sealed class Scene
    {
        public string Narration { get; set; } = "";
        public string Visual { get; set; } = "";
        public double Duration { get; set; } = 3;

        /// <summary>The scene's stock search phrases, comma-separated in the form.</summary>
        public string SearchTerms { get; set; } = "";
    }

    public string Title { get; set; } = "";
    public string Hook { get; set; } = "";
    public string Caption { get; set; } = "";
    public string Hashtags { get; set; } = "";
    public string CallToAction { get; set; } = "";
    public List<Scene> Scenes { get; } = Enumerable.Range(0, ScriptValidator.MinScenes).Select(_ => new Scene()).ToList();

    public static EditableScript From(ScriptDocument script)
    {
        var editable = new EditableScript
        {
            Title = script.Title,
            Hook = script.Hook,
            Caption = script.CaptionText,
            Hashtags = string.Join(' ', script.Hashtags),
            CallToAction = script.CallToAction,
        };
        editable.Scenes.Clear();
        editable.Scenes.AddRange(script.Scenes.Select(s => new Scene { Narration = s.Narration, Visual = s.Visual, Duration = s.DurationSeconds, SearchTerms = string.Join(", ", s.SearchTerms ?? []) }));
        return editable;
    }

    public ScriptDocument ToDocument() => new()
    {
        Title = Title.Trim(),
        Hook = Hook.Trim(),
        CaptionText = Caption.Trim(),
        CallToAction = CallToAction.Trim(),
        Hashtags = Hashtags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList(),
        Scenes = Scenes.Select(s => new SceneScript
        {
            Narration = s.Narration.Trim(),
            Visual = s.Visual.Trim(),
            DurationSeconds = s.Duration,
            // Empty stays null: a scene edited without terms keeps the JSON (and input hash) it had.
            SearchTerms = s.SearchTerms.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } terms ? [.. terms] : null,
        }).ToList(),
    };
}
