using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;

namespace ViralForge.Core.Narration.Alignment;

/// <summary>
/// Forced alignment with Debian's pocketsphinx and its US-English model: the narration's words become a
/// one-path grammar (each spoken token a word of its own, pronounced as the CMU dictionary says, or as
/// espeak-ng says when the dictionary lacks it), the sound is decoded against it at 16 kHz with silence
/// kept (so frames are real time), and each word starts at its first frame. Sound that cannot be read as
/// the text (noise, another sentence) fails the grammar, and the caller keeps its estimate.
/// </summary>
public sealed class PocketSphinxAligner(IOptions<AlignmentOptions> options, ILogger<PocketSphinxAligner> logger) : IWordAligner
{
    private const int SampleRate = AlignmentAudio.SampleRate;
    private const double FrameSeconds = 0.01;
    private const int MaxAlternatives = 4;
    // Wide beams: the path is fixed by the grammar, so searching wide costs little and keeps synthetic
    // voices (far from the model's training speech) from being pruned away. At 1e-80 "The quick brown
    // fox jumps over lazy dogs." in espeak-ng's voice was pruned to no path at all (1e-100 found it).
    private const string Beam = "1e-150";

    private readonly AlignmentOptions _options = options.Value;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private CmuDictionary? _dictionary;

    public string? Unavailable
    {
        get
        {
            if (!_options.Enabled)
            {
                return "Word alignment is switched off (Narration:Alignment:Enabled).";
            }
            if (!File.Exists(DictionaryPath) || !Directory.Exists(Path.Combine(_options.ModelPath, "en-us")))
            {
                return $"No pocketsphinx English model at {_options.ModelPath}; install pocketsphinx-en-us (scripts/run does).";
            }
            return FindCommand() is null ? $"{_options.Command} is not installed; install pocketsphinx (scripts/run does)." : null;
        }
    }

    private string DictionaryPath => Path.Combine(_options.ModelPath, "cmudict-en-us.dict");

    public bool Handles(string language)
    {
        var l = language.Trim().ToLowerInvariant();
        return l == "en" || l.StartsWith("en-", StringComparison.Ordinal);
    }

    public string WhyEstimated(string language) =>
        Unavailable ?? (Handles(language)
            ? "the sound did not fit the text closely enough to align"
            : $"pocketsphinx has an English model only; '{language}' needs a multilingual Whisper model (Narration:Alignment:WhisperModelPath)");

    public async Task<IReadOnlyList<WordTiming>?> AlignAsync(RewrittenText text, SpokenText spoken, string language, CancellationToken ct)
    {
        if (!Handles(language) || Unavailable is not null || spoken.Samples.Length == 0)
        {
            return null;
        }
        var words = EstimatedWordTimings.SpokenWords(text, text.Spoken, 0);
        if (words.Count == 0)
        {
            return null;
        }
        var dictionary = await DictionaryAsync(ct);

        // Token ids per script word; a word with nothing to say (an emoji, a dash) gets none.
        var lines = new StringBuilder();
        var grammar = new List<string>();
        var tokensOfWord = new List<List<int>>();
        foreach (var (_, tokens, _) in words)
        {
            var ids = new List<int>();
            foreach (var token in tokens)
            {
                var pronunciations = await PronounceAsync(dictionary, token, ct);
                if (pronunciations.Count == 0)
                {
                    continue;
                }
                var id = grammar.Count;
                grammar.Add($"w{id}");
                ids.Add(id);
                for (var a = 0; a < pronunciations.Count; a++)
                {
                    lines.Append(a == 0 ? $"w{id}" : $"w{id}({a + 1})").Append(' ').AppendJoin(' ', pronunciations[a]).Append('\n');
                }
            }
            tokensOfWord.Add(ids);
        }
        if (grammar.Count == 0)
        {
            return null;
        }

        return await AlignmentAudio.InScratchFolderAsync<IReadOnlyList<WordTiming>?>("vf-align-", async folder =>
        {
            var starts = await DecodeAsync(folder, spoken, lines.ToString(), grammar, ct);
            return starts is null ? null : ToWords(words.Select(w => w.Word).ToList(), tokensOfWord, starts.Value.Starts, starts.Value.Ends);
        });
    }

    private async Task<(double[] Starts, double[] Ends)?> DecodeAsync(string folder, SpokenText spoken, string dictionary, List<string> grammar, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(_options.TimeoutSeconds);
        // A 44-byte header (-adchdr 44) and nothing else: no metadata, bit-exact.
        if (await AlignmentAudio.Resample16kAsync(spoken, folder, "utt.wav",
                ["-c:a", "pcm_s16le", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"], timeout, logger, ct) is null)
        {
            return null;
        }
        await File.WriteAllTextAsync(Path.Combine(folder, "words.dict"), dictionary, ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "words.jsgf"), $"#JSGF V1.0;\ngrammar narration;\npublic <narration> = {string.Join(' ', grammar)};\n", ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "utt.ctl"), "utt\n", ct);
        var hypseg = Path.Combine(folder, "utt.seg");
        var result = await ProcessRunner.RunAsync(FindCommand()!,
        [
            "-adcin", "yes", "-adchdr", "44", "-cepdir", folder, "-cepext", ".wav", "-ctl", Path.Combine(folder, "utt.ctl"),
            "-hmm", Path.Combine(_options.ModelPath, "en-us"), "-dict", Path.Combine(folder, "words.dict"),
            "-jsgf", Path.Combine(folder, "words.jsgf"), "-hypseg", hypseg, "-logfn", Path.Combine(folder, "log.txt"),
            // Silence stays in the frames, so frame numbers are times in the sound.
            "-remove_silence", "no", "-dither", "no", "-samprate", SampleRate.ToString(CultureInfo.InvariantCulture),
            "-beam", Beam, "-pbeam", Beam, "-wbeam", Beam, "-lpbeam", Beam, "-lponlybeam", Beam,
        ], timeout, ct);
        if (result.ExitCode != 0 || !File.Exists(hypseg))
        {
            logger.LogWarning("{Command} failed ({Code}); captions keep estimated times.", _options.Command, result.ExitCode);
            return null;
        }
        return ParseSegments(await File.ReadAllTextAsync(hypseg, ct), grammar.Count, _options.MinimumScorePerFrame);
    }

    /// <summary>
    /// A hypseg line: "utt S scale T total A acoustic L language" then per entry "startFrame acoustic language word",
    /// then the last frame. Each grammar word's start and the start of what follows it; null when the
    /// decode did not reach the grammar's end.
    /// </summary>
    internal static (double[] Starts, double[] Ends)? ParseSegments(string hypseg, int count, double minimumScorePerFrame)
    {
        var parts = hypseg.Split([' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 10 || parts[1] != "S" || parts[5] != "A" || !int.TryParse(parts[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out var acoustic))
        {
            return null;
        }
        var entries = new List<(int Frame, string Word)>();
        var i = 9;
        for (; i + 3 < parts.Length; i += 4)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var frame))
            {
                return null;
            }
            var word = parts[i + 3];
            var paren = word.IndexOf('(', StringComparison.Ordinal);
            entries.Add((frame, paren > 0 ? word[..paren] : word));
        }
        if (i >= parts.Length || !int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var lastFrame))
        {
            return null;
        }
        // The grammar forces a path through any sound; one that fits it this badly (noise, a voice that
        // is no speech) is no alignment. Speech scores about -20 to -40 a frame with this model.
        var perFrame = (double)acoustic / (lastFrame + 1);
        if (perFrame < minimumScorePerFrame)
        {
            return null;
        }
        var starts = new double[count];
        var ends = new double[count];
        var next = 0;
        for (var e = 0; e < entries.Count; e++)
        {
            if (entries[e].Word != $"w{next}")
            {
                // Fillers (<sil>, <s>, </s>) between words.
                if (entries[e].Word.StartsWith('w'))
                {
                    return null;
                }
                continue;
            }
            starts[next] = entries[e].Frame * FrameSeconds;
            ends[next] = (e + 1 < entries.Count ? entries[e + 1].Frame : lastFrame + 1) * FrameSeconds;
            next++;
            if (next == count)
            {
                break;
            }
        }
        return next == count ? (starts, ends) : null;
    }

    private static List<WordTiming> ToWords(List<string> words, List<List<int>> tokensOfWord, double[] starts, double[] ends)
    {
        var timings = new List<WordTiming>(words.Count);
        var previousEnd = 0.0;
        for (var w = 0; w < words.Count; w++)
        {
            var ids = tokensOfWord[w];
            var (start, end) = ids.Count == 0 ? (previousEnd, previousEnd) : (starts[ids[0]], ends[ids[^1]]);
            timings.Add(new WordTiming(words[w], Math.Round(start, 3), Math.Round(end, 3)));
            previousEnd = end;
        }
        return timings;
    }

    /// <summary>How a spoken token may be said: the CMU dictionary's pronunciations, else espeak-ng's.</summary>
    private static async Task<IReadOnlyList<string[]>> PronounceAsync(CmuDictionary dictionary, string token, CancellationToken ct)
    {
        if (!token.StartsWith("[[", StringComparison.Ordinal))
        {
            var word = token.Trim().ToLowerInvariant().Trim(TrimmedPunctuation(token));
            if (word.Length == 0)
            {
                return [];
            }
            var known = dictionary.Pronunciations(word);
            if (known.Count > 0)
            {
                return known.Take(MaxAlternatives).ToList();
            }
            if (word.Contains('-', StringComparison.Ordinal))
            {
                var parts = word.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(dictionary.Pronunciations).ToList();
                if (parts.All(p => p.Count > 0))
                {
                    return [parts.SelectMany(p => p[0]).ToArray()];
                }
            }
        }
        // Numbers, names, respellings and [[phonemes]]: as espeak-ng reads them.
        var ipa = string.Join(' ', await EspeakLibrary.PhonemizeAsync(token, "en-us", ct));
        return ArpabetPhones.FromIpa(ipa) is { } phones ? [phones.ToArray()] : [];
    }

    private static char[] TrimmedPunctuation(string token) =>
        token.Where(c => !char.IsLetterOrDigit(c) && c != '\'').Distinct().ToArray();

    private async Task<CmuDictionary> DictionaryAsync(CancellationToken ct)
    {
        if (_dictionary is { } loaded)
        {
            return loaded;
        }
        await _loading.WaitAsync(ct);
        try
        {
            return _dictionary ??= await CmuDictionary.LoadAsync(DictionaryPath, ct);
        }
        finally
        {
            _loading.Release();
        }
    }

    private string? FindCommand()
    {
        if (Path.IsPathRooted(_options.Command))
        {
            return File.Exists(_options.Command) ? _options.Command : null;
        }
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, _options.Command)).FirstOrDefault(File.Exists);
    }
}
