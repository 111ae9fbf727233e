namespace ViralForge.Core.Narration.Alignment;

/// <summary>
/// Times a narration's words by aligning its known text against its sound, for engines that give no
/// word times of their own (Piper, Kokoro, a speech endpoint).
/// </summary>
public interface IWordAligner
{
    /// <summary>Why the aligner cannot run here (not installed, no model), or null when it can.</summary>
    string? Unavailable { get; }

    bool Handles(string language);

    /// <summary>
    /// The script's words of <paramref name="text"/> with the times they are said in <paramref name="spoken"/>;
    /// null when the sound does not fit the text (the caller keeps its estimate).
    /// </summary>
    Task<IReadOnlyList<WordTiming>?> AlignAsync(RewrittenText text, SpokenText spoken, string language, CancellationToken ct);
}

/// <summary>Narration:Alignment — where Debian's pocketsphinx and its US-English model are.</summary>
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
}
