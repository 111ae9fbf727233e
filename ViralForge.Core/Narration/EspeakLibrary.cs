using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace ViralForge.Core.Narration;

/// <summary>When a word is spoken, in seconds from the start of its narration.</summary>
public sealed record WordTiming(string Word, double Start, double End);

/// <remarks>
/// <paramref name="Estimated"/>: the engine gave no word times, so they were spread over the sound by word length.
/// <paramref name="Aligned"/>: the engine gave none, and they were measured by aligning the text with the sound.
/// </remarks>
public sealed record SpokenText(short[] Samples, int SampleRate, IReadOnlyList<WordTiming> Words, bool Estimated = false, bool Aligned = false)
{
    public double Seconds => (double)Samples.Length / SampleRate;
}

/// <summary>
/// espeak-ng through its C library: the same voice as the command line, plus a word event for each
/// word with its exact audio position, which the command line cannot give. The library keeps global
/// state, so calls are serialised.
/// </summary>
public static partial class EspeakLibrary
{
    private const string Library = "libespeak-ng.so.1";
    private const int AudioOutputSynchronous = 2;
    private const int PositionCharacter = 1;
    private const int CharsUtf8 = 1;

    // [[phonemes]] in the text are read as phonemes (dictionary entries given as phonemes), as the command line does.
    private const int PhonemeInput = 0x100;
    private const int EventWord = 1;
    private const int EventListTerminated = 0;
    private const int ParameterRate = 1;
    private const int ParameterPitch = 3;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static int _sampleRate;
    private static List<short>? _samples;
    private static List<(int Position, int Length, int Ms)>? _events;

    [StructLayout(LayoutKind.Sequential)]
    private struct EspeakEvent
    {
        public int Type;
        public uint UniqueIdentifier;
        public int TextPosition;
        public int Length;
        public int AudioPosition;
        public int Sample;
        public nint UserData;
        public long Id;
    }

    [LibraryImport(Library, EntryPoint = "espeak_Initialize", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Initialize(int output, int bufferLength, string? path, int options);

    [LibraryImport(Library, EntryPoint = "espeak_SetSynthCallback")]
    private static unsafe partial void SetSynthCallback(delegate* unmanaged[Cdecl]<short*, int, EspeakEvent*, int> callback);

    [LibraryImport(Library, EntryPoint = "espeak_SetVoiceByName", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetVoiceByName(string name);

    [StructLayout(LayoutKind.Sequential)]
    private struct EspeakVoice
    {
        public nint Name;
        public nint Languages;
        public nint Identifier;
        public byte Gender;
        public byte Age;
        public byte Variant;
        public byte Reserved;
        public int Score;
        public nint Spare;
    }

    [LibraryImport(Library, EntryPoint = "espeak_SetVoiceByProperties")]
    private static unsafe partial int SetVoiceByProperties(EspeakVoice* voice);

    [LibraryImport(Library, EntryPoint = "espeak_SetParameter")]
    private static partial int SetParameter(int parameter, int value, int relative);

    [LibraryImport(Library, EntryPoint = "espeak_Synth")]
    private static unsafe partial int Synth(byte* text, nuint size, uint position, int positionType, uint endPosition, uint flags, uint* uniqueIdentifier, nint userData);

    [LibraryImport(Library, EntryPoint = "espeak_Synchronize")]
    private static partial int Synchronize();

    [LibraryImport(Library, EntryPoint = "espeak_TextToPhonemes")]
    private static unsafe partial nint TextToPhonemes(nint* textPointer, int textMode, int phonemeMode);

    [LibraryImport(Library, EntryPoint = "espeak_ListVoices")]
    private static unsafe partial EspeakVoice** ListVoices(EspeakVoice* spec);

    private const int PhonemesIpa = 0x02;

    /// <summary>The IPA phonemes espeak-ng would speak for <paramref name="text"/>, clause by clause (what Piper voices are trained on).</summary>
    public static async Task<IReadOnlyList<string>> PhonemizeAsync(string text, string voice, CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            return await Task.Run(() => Phonemize(text, voice), ct);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static unsafe List<string> Phonemize(string text, string voice)
    {
        EnsureInitialised();
        SelectVoice(voice);
        // TextToPhonemes takes the phoneme-input switch from the last synthesis: an empty one sets it.
        var empty = " \0"u8.ToArray();
        _samples = [];
        _events = [];
        fixed (byte* e = empty)
        {
            if (Synth(e, (nuint)empty.Length, 0, PositionCharacter, 0, CharsUtf8 | PhonemeInput, null, 0) != 0 || Synchronize() != 0)
            {
                throw new InvalidOperationException("espeak-ng could not be prepared for phoneme input.");
            }
        }
        _samples = null;
        _events = null;
        var clauses = new List<string>();
        var bytes = Encoding.UTF8.GetBytes(text + "\0");
        fixed (byte* p = bytes)
        {
            var cursor = (nint)p;
            while (cursor != 0)
            {
                var phonemes = TextToPhonemes(&cursor, CharsUtf8 | PhonemeInput, PhonemesIpa);
                var clause = Marshal.PtrToStringUTF8(phonemes)?.Trim();
                if (!string.IsNullOrEmpty(clause))
                {
                    clauses.Add(clause);
                }
            }
        }
        return clauses;
    }

    /// <summary>Installed espeak-ng voices as (language code, display name), one per language.</summary>
    public static async Task<IReadOnlyList<(string Language, string Name)>> VoicesAsync(CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            return await Task.Run(ListInstalledVoices, ct);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static unsafe List<(string, string)> ListInstalledVoices()
    {
        EnsureInitialised();
        var voices = new List<(string, string)>();
        for (var v = ListVoices(null); v is not null && *v is not null; v++)
        {
            // languages: a priority byte, then a NUL-terminated code; the first is the voice's own.
            var language = (*v)->Languages == 0 ? null : Marshal.PtrToStringUTF8((*v)->Languages + 1);
            var name = Marshal.PtrToStringUTF8((*v)->Name);
            if (!string.IsNullOrEmpty(language) && name is not null && !voices.Exists(x => x.Item1 == language))
            {
                voices.Add((language, name));
            }
        }
        voices.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return voices;
    }

    private static unsafe void EnsureInitialised()
    {
        if (_sampleRate == 0)
        {
            var rateHz = Initialize(AudioOutputSynchronous, 500, null, 0);
            if (rateHz <= 0)
            {
                throw new InvalidOperationException("espeak-ng could not be initialised (is espeak-ng-data installed?).");
            }
            SetSynthCallback(&OnSynth);
            _sampleRate = rateHz;
        }
    }

    private static void SelectVoice(string voice)
    {
        if (SetVoiceByName(voice) != 0 && !SetVoiceByLanguage(voice))
        {
            throw new ArgumentException($"espeak-ng has no voice '{voice}'.", nameof(voice));
        }
    }

    /// <summary>Speaks <paramref name="text"/>; throws <see cref="ArgumentException"/> for an unknown voice.</summary>
    public static Task<SpokenText> SpeakAsync(string text, string voice, int rate, int pitch, CancellationToken ct) =>
        SpeakAsync(new RewrittenText(text, []), voice, rate, pitch, ct);

    /// <summary>Speaks the rewritten text; word timings name the script's own words.</summary>
    public static async Task<SpokenText> SpeakAsync(RewrittenText text, string voice, int rate, int pitch, CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            return await Task.Run(() => Speak(text, voice, rate, pitch), ct);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static unsafe SpokenText Speak(RewrittenText rewritten, string voice, int rate, int pitch)
    {
        EnsureInitialised();
        SelectVoice(voice);
        if (SetParameter(ParameterRate, rate, 0) != 0 || SetParameter(ParameterPitch, pitch, 0) != 0)
        {
            throw new ArgumentException($"espeak-ng refused rate {rate} or pitch {pitch}.");
        }

        _samples = new List<short>(_sampleRate * 5);
        _events = [];
        var bytes = Encoding.UTF8.GetBytes(rewritten.Spoken + "\0");
        fixed (byte* p = bytes)
        {
            var error = Synth(p, (nuint)bytes.Length, 0, PositionCharacter, 0, CharsUtf8 | PhonemeInput, null, 0);
            if (error != 0)
            {
                throw new InvalidOperationException($"espeak-ng failed to synthesise (error {error}).");
            }
        }
        if (Synchronize() != 0)
        {
            throw new InvalidOperationException("espeak-ng did not finish synthesising.");
        }

        var samples = _samples.ToArray();
        var words = ToWords(rewritten, _events, samples, _sampleRate);
        _samples = null;
        _events = null;
        return new SpokenText(samples, _sampleRate, words);
    }

    /// <summary>Like the command line: a name that is no voice file is tried as a language ("en-gb").</summary>
    private static unsafe bool SetVoiceByLanguage(string language)
    {
        var bytes = Encoding.UTF8.GetBytes(language + "\0");
        fixed (byte* p = bytes)
        {
            var voice = new EspeakVoice { Languages = (nint)p };
            return SetVoiceByProperties(&voice) == 0;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int OnSynth(short* wav, int count, EspeakEvent* events)
    {
        if (wav is not null && count > 0)
        {
            _samples?.AddRange(new ReadOnlySpan<short>(wav, count));
        }
        for (var e = events; e is not null && e->Type != EventListTerminated; e++)
        {
            if (e->Type == EventWord)
            {
                _events?.Add((e->TextPosition, e->Length, e->AudioPosition));
            }
        }
        return 0;
    }

    /// <summary>Word events to timings: each word ends where the next begins, the last where the sound stops.</summary>
    internal static List<WordTiming> ToWords(RewrittenText rewritten, IReadOnlyList<(int Position, int Length, int Ms)> events, short[] samples, int sampleRate)
    {
        // espeak counts positions in characters, from 1.
        var runes = rewritten.Spoken.EnumerateRunes().Select(r => r.ToString()).ToArray();
        // Replacements are placed in UTF-16 units; an emoji before a term is one character but two units.
        var units = new int[runes.Length + 1];
        for (var r = 0; r < runes.Length; r++)
        {
            units[r + 1] = units[r] + runes[r].Length;
        }
        var total = (double)samples.Length / sampleRate;
        var soundEnd = LastSound(samples, sampleRate);
        var words = new List<WordTiming>();
        var previousTo = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var (position, length, ms) = events[i];
            var start = Math.Min(ms / 1000.0, total);
            var end = i + 1 < events.Count ? Math.Min(events[i + 1].Ms / 1000.0, total) : Math.Max(start, soundEnd);
            var from = Math.Clamp(position - 1, 0, runes.Length);
            var to = Math.Min(runes.Length, from + Math.Max(0, length));
            // A caption word runs to the next space, as other engines' do: the punctuation that follows it
            // ("hearts."), which captions show and break lines at, and the rest of a number or hyphenated word.
            while (to < runes.Length && !string.IsNullOrWhiteSpace(runes[to]))
            {
                to++;
            }
            // A number or a hyphenated word is said as several words, each an event inside the written
            // one ("2024", "024", …; "forty-", "two"): one caption word, as other engines' captions have.
            // An event that does not move past the word before (one espeak-ng sends again at a clause break) neither.
            if (words.Count > 0 && from < previousTo)
            {
                words[^1] = words[^1] with { End = Math.Round(Math.Max(words[^1].End, end), 3) };
                continue;
            }
            previousTo = to;
            var word = rewritten.Display(units[from], units[to] - units[from], string.Concat(runes[from..to]).Trim());
            if (word.Length > 0 && (words.Count == 0 || words[^1].Word != word || !rewritten.Replacements.Any(r => r.Original == word)))
            {
                words.Add(new WordTiming(word, Math.Round(start, 3), Math.Round(Math.Max(start, end), 3)));
            }
        }
        return words;
    }

    private static double LastSound(short[] samples, int sampleRate)
    {
        for (var i = samples.Length - 1; i >= 0; i--)
        {
            if (Math.Abs((int)samples[i]) > 300)
            {
                return (double)(i + 1) / sampleRate;
            }
        }
        return 0;
    }

    /// <summary>16-bit mono PCM as a WAV file.</summary>
    public static async Task WriteWavAsync(string path, SpokenText spoken, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var data = MemoryMarshal.AsBytes(spoken.Samples.AsSpan()).ToArray();
        var header = new byte[44];
        void Put(int offset, ReadOnlySpan<byte> bytes) => bytes.CopyTo(header.AsSpan(offset));
        void U32(int offset, uint value) => BitConverter.TryWriteBytes(header.AsSpan(offset), value);
        void U16(int offset, ushort value) => BitConverter.TryWriteBytes(header.AsSpan(offset), value);
        Put(0, "RIFF"u8);
        U32(4, (uint)(36 + data.Length));
        Put(8, "WAVEfmt "u8);
        U32(16, 16);
        U16(20, 1);
        U16(22, 1);
        U32(24, (uint)spoken.SampleRate);
        U32(28, (uint)(spoken.SampleRate * 2));
        U16(32, 2);
        U16(34, 16);
        Put(36, "data"u8);
        U32(40, (uint)data.Length);
        await stream.WriteAsync(header, ct);
        await stream.WriteAsync(data, ct);
    }
}
