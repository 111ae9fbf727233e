using ViralForge.Core.Script;

namespace ViralForge.Web.Setup;

/// <summary>The demo that a fresh studio runs through the whole pipeline on the CPU.</summary>
public static class DemoVideo
{
    public const string Brief = "Demo: three surprising facts about octopuses, for curious teens.";

    public static ScriptDocument Script() => new()
    {
        Title = "Octopuses are stranger than you think",
        Hook = "Three hearts, blue blood, and brains in their arms.",
        Scenes =
        [
            new() { Narration = "Octopuses have three hearts.", Visual = "An octopus drifting over a coral reef", DurationSeconds = 3 },
            new() { Narration = "Two pump blood to the gills, one to the body.", Visual = "A simple diagram of three hearts", DurationSeconds = 3 },
            new() { Narration = "Their blood is blue, thanks to copper.", Visual = "Blue liquid swirling in water", DurationSeconds = 3 },
            new() { Narration = "Most of their neurons live in their arms.", Visual = "Arms curling around a shell", DurationSeconds = 3 },
            new() { Narration = "Each arm can taste what it touches.", Visual = "Close-up of suckers on glass", DurationSeconds = 3 },
            new() { Narration = "Follow for more ocean weirdness.", Visual = "An octopus waving goodbye", DurationSeconds = 3 },
        ],
        CaptionText = "Octopus facts you did not learn at school",
        Hashtags = ["octopus", "ocean", "science"],
        CallToAction = "Follow for more ocean weirdness.",
    };
}
