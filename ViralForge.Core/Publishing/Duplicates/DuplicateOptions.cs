using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Publishing.Duplicates;

/// <summary>The near-duplicate gate before publishing (section <c>Publishing:Duplicates</c>).</summary>
public sealed class DuplicateOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Content the team must never repost (videos and pictures), compared like published videos; admin-managed.</summary>
    public string ReferenceFolder { get; set; } = ".data/reference";

    /// <summary>Frames sampled per second of video for the fingerprint.</summary>
    [Range(0.5, 15)]
    public double FramesPerSecond { get; set; } = 4;

    /// <summary>Two frames match when their 64-bit perceptual hashes differ in at most this many bits.</summary>
    [Range(0, 32)]
    public int FrameDistance { get; set; } = 10;

    /// <summary>A video is held when at least this share of its frames match one published or reference item.</summary>
    [Range(0.05, 1)]
    public double Threshold { get; set; } = 0.6;

    /// <summary>Inside one video, two scenes are the same picture when their frames are this close in hash (bits) and in average colour (0–255).</summary>
    [Range(0, 32)]
    public int SceneFrameDistance { get; set; } = 4;

    [Range(0, 255)]
    public int SceneColourTolerance { get; set; } = 12;
}
