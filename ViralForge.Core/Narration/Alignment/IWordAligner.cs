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

    /// <summary>Why a narration in <paramref name="language"/> keeps estimated times, in words for the video page.</summary>
    string WhyEstimated(string language);

    /// <summary>
    /// The script's words of <paramref name="text"/> with the times they are said in <paramref name="spoken"/>;
    /// null when the sound does not fit the text (the caller keeps its estimate).
    /// </summary>
    Task<IReadOnlyList<WordTiming>?> AlignAsync(RewrittenText text, SpokenText spoken, string language, CancellationToken ct);
}
