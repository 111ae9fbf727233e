namespace ViralForge.Core.Narration.Alignment;

/// <summary>
/// The aligners in the order they are trusted: pocketsphinx first (a forced alignment, measured on
/// English), then Whisper where the user has a model (every other language it knows, and English when
/// pocketsphinx is missing or its alignment did not fit the sound).
/// </summary>
public sealed class WordAligners(PocketSphinxAligner pocketSphinx, WhisperAligner whisper) : IWordAligner
{
    private IEnumerable<IWordAligner> All => [pocketSphinx, whisper];

    public string? Unavailable =>
        All.Any(a => a.Unavailable is null) ? null : string.Join(" ", All.Select(a => a.Unavailable).Distinct());

    public bool Handles(string language) => All.Any(a => a.Handles(language));

    public string WhyEstimated(string language)
    {
        var tried = All.Where(a => a.Handles(language)).ToList();
        return string.Join("; ", (tried.Count > 0 ? tried : All).Select(a => a.WhyEstimated(language)).Distinct());
    }

    public async Task<IReadOnlyList<WordTiming>?> AlignAsync(RewrittenText text, SpokenText spoken, string language, CancellationToken ct)
    {
        foreach (var aligner in All.Where(a => a.Handles(language)))
        {
            if (await aligner.AlignAsync(text, spoken, language, ct) is { } words)
            {
                return words;
            }
        }
        return null;
    }
}
