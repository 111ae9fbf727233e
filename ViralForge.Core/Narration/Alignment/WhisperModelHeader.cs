using System.Buffers.Binary;

namespace ViralForge.Core.Narration.Alignment;

/// <summary>
/// The hyper-parameters at the head of a whisper.cpp (ggml) model file, read and checked before the
/// native library sees the file: whisper.cpp aborts the whole process on some malformed models
/// instead of returning an error, so anything that is not a Whisper model is refused here, in words.
/// </summary>
public sealed record WhisperModelHeader(
    int Vocabulary, int AudioContext, int AudioState, int AudioHeads, int AudioLayers,
    int TextContext, int TextState, int TextHeads, int TextLayers, int Mels, int FileType)
{
    private const uint GgmlMagic = 0x67676d6c;
    private const int EnglishOnlyVocabulary = 51864;

    // ggml's file types a Whisper model is published in: f32, f16 and the quantisations whisper.cpp writes.
    private static readonly HashSet<int> KnownFileTypes = [0, 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14];

    /// <summary>An ".en" model (the English-only vocabulary) transcribes English only.</summary>
    public bool Multilingual => Vocabulary > EnglishOnlyVocabulary;

    /// <summary>
    /// The published model this shape is, for whisper.cpp's alignment-head presets (which make
    /// per-token times far better); null for any other shape, which keeps whisper.cpp's own token times.
    /// </summary>
    public string? Preset => (AudioLayers, AudioState, TextLayers) switch
    {
        (4, 384, 4) => Multilingual ? "Tiny" : "TinyEn",
        (6, 512, 6) => Multilingual ? "Base" : "BaseEn",
        (12, 768, 12) => Multilingual ? "Small" : "SmallEn",
        (24, 1024, 24) => Multilingual ? "Medium" : "MediumEn",
        (32, 1280, 32) => Vocabulary >= 51866 ? "LargeV3" : "LargeV2",
        (32, 1280, 4) => "LargeV3Turbo",
        _ => null,
    };

    public string Describe() =>
        $"{Preset ?? "custom"} Whisper model ({(Multilingual ? "multilingual" : "English only")}, {AudioLayers}+{TextLayers} layers)";

    /// <summary>The header of <paramref name="path"/>, or why it is not a usable Whisper model.</summary>
    public static (WhisperModelHeader? Header, string? Problem) Read(string path)
    {
        if (!File.Exists(path))
        {
            return (null, $"No Whisper model at {path}.");
        }
        var bytes = new byte[4 * 12];
        // 48 bytes, read where the status is asked for: no I/O worth making asynchronous.
        using (var file = File.OpenRead(path))
        {
            if (file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
            {
                return (null, $"{Path.GetFileName(path)} is too short to be a Whisper model.");
            }
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) != GgmlMagic)
        {
            return (null, $"{Path.GetFileName(path)} is not a whisper.cpp ggml model (ggml-*.bin); convert it with whisper.cpp's scripts.");
        }
        int At(int i) => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * (i + 1)));
        var header = new WhisperModelHeader(At(0), At(1), At(2), At(3), At(4), At(5), At(6), At(7), At(8), At(9), At(10) % 1000);
        return header.Problem() is { } problem ? (null, $"{Path.GetFileName(path)}: {problem}") : (header, null);
    }

    private string? Problem()
    {
        if (Vocabulary is < EnglishOnlyVocabulary or > 51866)
        {
            return $"a vocabulary of {Vocabulary} tokens is not Whisper's";
        }
        if (Mels is not (80 or 128))
        {
            return $"{Mels} mel bands is not Whisper's (80 or 128)";
        }
        if (AudioState <= 0 || AudioState != TextState || AudioHeads <= 0 || TextHeads <= 0
            || AudioState % AudioHeads != 0 || TextState % TextHeads != 0
            || AudioLayers is <= 0 or > 64 || TextLayers is <= 0 or > 64 || AudioContext is <= 0 or > 1500 || TextContext is <= 0 or > 448)
        {
            return "its layer sizes are not a Whisper model's";
        }
        return KnownFileTypes.Contains(FileType) ? null : $"weight type {FileType} is not one whisper.cpp writes";
    }
}
