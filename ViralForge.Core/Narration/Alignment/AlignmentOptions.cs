namespace ViralForge.Core.Narration.Alignment;

/// <summary>Narration:Alignment — where Debian's pocketsphinx and its US-English model are, and a Whisper model if the user has one.</summary>
public sealed class AlignmentOptions
{
    public const string Section = "Narration:Alignment";

    /// <summary>Off leaves every engine's own (or estimated) timings.</summary>
    public bool Enabled { get; set; } = true;

    public string Command { get; set; } = "pocketsphinx_batch";

    /// <summary>The folder with the acoustic model (en-us/) and the pronouncing dictionary (cmudict-en-us.dict).</summary>
    public string ModelPath { get; set; } = "/usr/share/pocketsphinx/model/en-us";

    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>
    /// The least acoustic score a frame (pocketsphinx's scaled log-likelihood) an alignment may average
    /// to be believed: speech of the text scores about -20 to -40, sound that is not speech -75 and worse.
    /// </summary>
    public double MinimumScorePerFrame { get; set; } = -55;

    /// <summary>
    /// A whisper.cpp (ggml) model file the user supplies, e.g. ggml-base.bin: aligns the languages
    /// pocketsphinx has no model for (all of them with a multilingual model), and English where
    /// pocketsphinx is missing or cannot fit the sound. Empty: not used.
    /// </summary>
    public string? WhisperModelPath { get; set; }

    /// <summary>The share of the script's words Whisper must hear as written for its times to be believed.</summary>
    public double WhisperMinimumMatchedShare { get; set; } = 0.6;

    /// <summary>CPU threads Whisper may use; 0 takes half the machine's cores (at least one).</summary>
    public int WhisperThreads { get; set; }
}
