using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ViralForge.Gpu.TextToImage;

/// <summary>
/// CLIP's byte-pair tokenizer, from the model folder's own vocab.json and merges.txt: text lowered and
/// split by CLIP's pattern, each piece's UTF-8 bytes mapped to CLIP's printable byte alphabet with
/// "&lt;/w&gt;" on its last symbol, merged by rank, and framed as start, tokens, end, padding to 77.
/// </summary>
public sealed partial class ClipTokenizer
{
    public const int Length = 77;
    private const string EndOfWord = "</w>";

    private static readonly string[] ByteSymbols = BytesToSymbols();

    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<(string, string), int> _ranks = [];
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public ClipTokenizer(string vocabularyJson, string merges, string? padToken = null)
    {
        _vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(vocabularyJson)
            ?? throw new InvalidDataException("vocab.json is empty.");
        var rank = 0;
        foreach (var line in merges.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length == 0 || trimmed.StartsWith("#version", StringComparison.Ordinal))
            {
                continue;
            }
            var parts = trimmed.Split(' ');
            if (parts.Length != 2)
            {
                throw new InvalidDataException($"merges.txt line {rank + 2} is not a pair: '{trimmed}'.");
            }
            _ranks.TryAdd((parts[0], parts[1]), rank++);
        }
        StartId = Id("<|startoftext|>");
        EndId = Id("<|endoftext|>");
        PadId = padToken is null ? EndId : Id(padToken);
    }

    public int StartId { get; }
    public int EndId { get; }
    public int PadId { get; }

    /// <summary>Reads tokenizer/ (vocab.json, merges.txt, and the pad token from special_tokens_map.json when given).</summary>
    public static ClipTokenizer Load(string folder)
    {
        string? pad = null;
        var special = Path.Combine(folder, "special_tokens_map.json");
        if (File.Exists(special))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(special));
            if (doc.RootElement.TryGetProperty("pad_token", out var p))
            {
                pad = p.ValueKind == JsonValueKind.String ? p.GetString() : p.TryGetProperty("content", out var c) ? c.GetString() : null;
            }
        }
        return new ClipTokenizer(File.ReadAllText(Path.Combine(folder, "vocab.json")), File.ReadAllText(Path.Combine(folder, "merges.txt")), pad);
    }

    /// <summary>Start, the prompt's tokens (cut to fit), end, then padding: always <see cref="Length"/> ids.</summary>
    public int[] Encode(string prompt)
    {
        var ids = new List<int>(Length) { StartId };
        var text = WhitespacePattern().Replace(prompt, " ").Trim().ToLowerInvariant();
        foreach (Match piece in PiecePattern().Matches(text))
        {
            ids.AddRange(Bpe(piece.Value));
            if (ids.Count >= Length - 1)
            {
                break;
            }
        }
        if (ids.Count > Length - 1)
        {
            ids.RemoveRange(Length - 1, ids.Count - (Length - 1));
        }
        ids.Add(EndId);
        while (ids.Count < Length)
        {
            ids.Add(PadId);
        }
        return [.. ids];
    }

    private int[] Bpe(string piece)
    {
        if (_cache.TryGetValue(piece, out var cached))
        {
            return cached;
        }
        var symbols = Encoding.UTF8.GetBytes(piece).Select(b => ByteSymbols[b]).ToList();
        symbols[^1] += EndOfWord;
        while (symbols.Count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i < symbols.Count - 1; i++)
            {
                if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out var r) && r < bestRank)
                {
                    (best, bestRank) = (i, r);
                }
            }
            if (best < 0)
            {
                break;
            }
            // Merge every occurrence of the best pair, left to right, as the reference does.
            var (first, second) = (symbols[best], symbols[best + 1]);
            var merged = new List<string>(symbols.Count);
            for (var i = 0; i < symbols.Count; i++)
            {
                if (i < symbols.Count - 1 && symbols[i] == first && symbols[i + 1] == second)
                {
                    merged.Add(first + second);
                    i++;
                }
                else
                {
                    merged.Add(symbols[i]);
                }
            }
            symbols = merged;
        }
        var ids = symbols.Select(s => _vocabulary.TryGetValue(s, out var id) ? id : -1).Where(id => id >= 0).ToArray();
        if (_cache.Count < 10_000)
        {
            _cache[piece] = ids;
        }
        return ids;
    }

    private int Id(string token) =>
        _vocabulary.TryGetValue(token, out var id) ? id : throw new InvalidDataException($"vocab.json has no '{token}' token; it is not a CLIP tokenizer.");

    /// <summary>The byte-to-symbol table every CLIP and GPT-2 vocabulary is written in: printable bytes stand for themselves.</summary>
    private static string[] BytesToSymbols()
    {
        var symbols = new string[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            symbols[b] = ((char)(printable ? b : next++)).ToString();
        }
        return symbols;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex PiecePattern();
}
