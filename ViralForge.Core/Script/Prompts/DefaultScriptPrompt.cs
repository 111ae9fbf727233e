using System.Text.Json;
using ViralForge.Core.Data;

namespace ViralForge.Core.Script.Prompts;

/// <summary>The first version of the "script" template; admins improve it on the Prompts page.</summary>
public static class DefaultScriptPrompt
{
    public static PromptVersion Version() => new()
    {
        Persona = "You are a scriptwriter for short vertical videos (TikTok, Reels, Shorts). You write tight, concrete, spoken-language scripts that hold attention from the first second, and you never invent statistics or quotes.",
        Body = """
            Write a script for a {{seconds}}-second vertical video about this topic:
            {{topic}}
            Tone: {{tone}}. Language of every text field: {{language}}.
            Use {{min_scenes}} to {{max_scenes}} scenes of 2 to 4 seconds each, about {{words}} words of narration in total.
            """,
        Constraints = """
            Open with a hook that makes the viewer stay; say it in the first scene too.
            One idea per scene; the narration is what a narrator says aloud, in short sentences.
            Each visual describes one concrete still image (subject, setting, light), not camera moves or text.
            Hashtags are single words without spaces; at most 5.
            End with a call to action that fits the topic.
            """,
        BannedPhrases = string.Join('\n', "as an AI", "in this video", "smash that like button", "link in bio", "guaranteed"),
        ExamplesJson = JsonSerializer.Serialize(new[]
        {
            new PromptExample("why cats knock things off tables", "playful", 20, "en", new ScriptDocument
            {
                Title = "Why your cat pushes things off the table",
                Hook = "Your cat is not being rude. It is running an experiment.",
                Scenes =
                [
                    new SceneScript { Narration = "Your cat is not being rude. It is running an experiment.", Visual = "A tabby cat on a wooden table staring at a coffee mug near the edge, warm morning light", DurationSeconds = 4 },
                    new SceneScript { Narration = "Cats are hunters. A paw tap tests whether something is alive.", Visual = "Close-up of a cat's paw touching a small glass, soft kitchen light", DurationSeconds = 4 },
                    new SceneScript { Narration = "When it falls, you come running. Lesson learned.", Visual = "A person hurrying into a kitchen while the cat watches from the table", DurationSeconds = 3 },
                    new SceneScript { Narration = "So give them toys that roll, and keep the mugs back.", Visual = "A cat batting a bright ball across a rug in a sunny living room", DurationSeconds = 4 },
                ],
                CaptionText = "Why cats knock things over",
                Hashtags = ["cats", "catbehavior", "pets"],
                CallToAction = "Follow for more odd pet habits explained.",
            }),
        }, ScriptDocument.Json),
        Note = "First version.",
    };
}
