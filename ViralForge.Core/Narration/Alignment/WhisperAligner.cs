using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Media;
using Whisper.net;

namespace ViralForge.Core.Narration.Alignment;

/// <summary>
/// Word times from a Whisper model the user supplies (whisper.cpp through Whisper.net): the phrase is
/// transcribed in its language with per-token times (alignment-head DTW for the published model
/// shapes), and what was heard is matched to the script's words. The model is not told the text: a
/// recogniser prompted with it would "hear" it in any sound, and the matched share would mean nothing.
/// The model stays loaded, and is loaded again when its file changes; one phrase is transcribed at a time.
/// </summary>
public sealed class WhisperAligner(IOptions<AlignmentOptions> options, ILogger<WhisperAligner> logger) : IWordAligner, IDisposable
{
    private const double TokenTimeUnit = 0.01;

    private readonly AlignmentOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private WhisperFactory? _factory;
    private string? _loadedStamp;
    // Swapped whole (a reference), so readers on other threads never see half of one.
    private HeaderState? _header;
    private HashSet<string>? _languages;

    public string? Unavailable => State().Problem;

    /// <summary>What the configured model is, for the status pages.</summary>
    public string Describe() => State() is var state && state.Header is { } header ? header.Describe() : state.Problem!;

    public bool Handles(string language) => State().Header is { } header && Speaks(header, PrimaryTag(language));

    public string WhyEstimated(string language) => State() switch
    {
        { Header: null, Problem: var problem } => problem!,
        { Header: var header } when Speaks(header, PrimaryTag(language)) => "Whisper did not hear the text in the sound closely enough to align it",
        { Header: var header } => $"the Whisper model ({header.Describe()}) does not know '{language}'",
    };

    private bool Speaks(WhisperModelHeader header, string code) => header.Multilingual ? Languages().Contains(code) : code == "en";

    /// <summary>The configured model's header, or why there is none to use.</summary>
    private HeaderState State()
    {
        if (!_options.Enabled)
        {
            return new HeaderState("", null, "Word alignment is switched off (Narration:Alignment:Enabled).");
        }
        if (string.IsNullOrWhiteSpace(_options.WhisperModelPath))
        {
            return new HeaderState("", null, "No Whisper model is configured (Narration:Alignment:WhisperModelPath, a whisper.cpp ggml-*.bin file).");
        }
        return Header(_options.WhisperModelPath);
    }

    public async Task<IReadOnlyList<WordTiming>?> AlignAsync(RewrittenText text, SpokenText spoken, string language, CancellationToken ct)
    {
        if (State().Header is not { } header || !Speaks(header, PrimaryTag(language)) || spoken.Samples.Length == 0)
        {
            return null;
        }
        var script = EstimatedWordTimings.SpokenWords(text, text.Spoken, 0).Select(w => (w.Word, w.Tokens)).ToList();
        if (script.Count == 0)
        {
            return null;
        }
        var samples = await Resample16kAsync(spoken, ct);
        if (samples is null)
        {
            return null;
        }
        await _gate.WaitAsync(ct);
        try
        {
            var factory = Load(_options.WhisperModelPath!);
            if (factory is null)
            {
                return null;
            }
            var heard = await TranscribeAsync(factory, samples, PrimaryTag(language), EndOfText(header), ct);
            var timings = HeardWordMatcher.Match(script, heard, spoken.Seconds, _options.WhisperMinimumMatchedShare);
            if (timings is null)
            {
                logger.LogInformation("Whisper heard {Heard} of {Count} words in a way that does not fit the text; captions keep estimated times.", heard.Count, script.Count);
            }
            return timings;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<List<HeardWord>> TranscribeAsync(WhisperFactory factory, float[] samples, string language, int eot, CancellationToken ct)
    {
        var threads = _options.WhisperThreads > 0 ? _options.WhisperThreads : Math.Max(1, Environment.ProcessorCount / 2);
        await using var processor = factory.CreateBuilder()
            .WithLanguage(language)
            .WithTokenTimestamps()
            .WithThreads(threads)
            .Build();
        var words = new List<HeardWord>();
        await foreach (var segment in processor.ProcessAsync(samples, ct))
        {
            foreach (var token in segment.Tokens)
            {
                // Special tokens (timestamps, end of text) and empty pieces carry no word.
                if (token.Id >= eot || string.IsNullOrEmpty(token.Text))
                {
                    continue;
                }
                var start = (token.DtwTimestamp >= 0 ? token.DtwTimestamp : token.Start) * TokenTimeUnit;
                var end = Math.Max(token.End * TokenTimeUnit, start);
                if (words.Count == 0 || token.Text.StartsWith(' '))
                {
                    words.Add(new HeardWord(token.Text.Trim(), start, end));
                }
                else
                {
                    var last = words[^1];
                    words[^1] = last with { Text = last.Text + token.Text, End = Math.Max(last.End, end) };
                }
            }
        }
        return words.Where(w => HeardWordMatcher.Normalise(w.Text).Length > 0).ToList();
    }

    // Whisper's vocabulary puts every special token at or after end-of-text (50256 English-only, 50257 multilingual).
    private static int EndOfText(WhisperModelHeader header) => header.Multilingual ? 50257 : 50256;

    private WhisperFactory? Load(string path)
    {
        var stamp = Stamp(path);
        if (_factory is not null && stamp == _loadedStamp)
        {
            return _factory;
        }
        _factory?.Dispose();
        _factory = null;
        var header = Header(path).Header;
        if (header is null)
        {
            return null;
        }
        try
        {
            var preset = header.Preset is { } name && Enum.TryParse<WhisperAlignmentHeadsPreset>(name, out var p) ? p : (WhisperAlignmentHeadsPreset?)null;
            _factory = WhisperFactory.FromPath(path, new WhisperFactoryOptions
            {
                UseGpu = false,
                // whisper.cpp's DTW token times need the published models' alignment heads and no flash attention.
                UseDtwTimeStamps = preset is not null,
                HeadsPreset = preset ?? WhisperAlignmentHeadsPreset.None,
                UseFlashAttention = false,
            });
            _loadedStamp = stamp;
            logger.LogInformation("Whisper model loaded for word alignment: {Model}.", header.Describe());
            return _factory;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The Whisper model {File} could not be loaded; captions keep estimated times.", Path.GetFileName(path));
            _header = new HeaderState(stamp, null, $"{Path.GetFileName(path)} could not be loaded by whisper.cpp ({e.Message}).");
            return null;
        }
    }

    private HeaderState Header(string path)
    {
        var stamp = Stamp(path);
        if (_header is { } known && known.Stamp == stamp)
        {
            return known;
        }
        var (header, problem) = WhisperModelHeader.Read(path);
        return _header = new HeaderState(stamp, header, problem);
    }

    private sealed record HeaderState(string Stamp, WhisperModelHeader? Header, string? Problem);

    private HashSet<string> Languages()
    {
        if (_languages is null)
        {
            try
            {
                _languages = WhisperFactory.GetSupportedLanguages().ToHashSet(StringComparer.OrdinalIgnoreCase);
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
            {
                logger.LogWarning(e, "whisper.cpp's native library could not be loaded.");
                _languages = [];
            }
        }
        return _languages;
    }

    private static string Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "missing";
    }

    private static string PrimaryTag(string language)
    {
        var code = language.Trim().ToLowerInvariant();
        var dash = code.IndexOfAny(['-', '_']);
        return dash > 0 ? code[..dash] : code;
    }

    private Task<float[]?> Resample16kAsync(SpokenText spoken, CancellationToken ct) =>
        AlignmentAudio.InScratchFolderAsync("vf-whisper-", async folder =>
        {
            var target = await AlignmentAudio.Resample16kAsync(spoken, folder, "utt.f32", ["-f", "f32le"], TimeSpan.FromSeconds(_options.TimeoutSeconds), logger, ct);
            if (target is null)
            {
                return null;
            }
            var bytes = await File.ReadAllBytesAsync(target, ct);
            var samples = new float[bytes.Length / sizeof(float)];
            Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * sizeof(float));
            return (float[]?)samples;
        });

    public void Dispose()
    {
        _factory?.Dispose();
        _gate.Dispose();
    }
}
