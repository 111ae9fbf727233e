namespace ViralForge.Core.Narration.Alignment;

/// <summary>The CMU pronouncing dictionary that ships with the acoustic model: every pronunciation of a word.</summary>
public sealed class CmuDictionary
{
    private readonly Dictionary<string, List<string[]>> _words = new(StringComparer.Ordinal);

    private CmuDictionary()
    {
    }

    public static async Task<CmuDictionary> LoadAsync(string path, CancellationToken ct)
    {
        var dictionary = new CmuDictionary();
        using var reader = new StreamReader(path);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
            {
                continue;
            }
            // Alternatives are written word(2), word(3).
            var word = parts[0];
            var paren = word.IndexOf('(', StringComparison.Ordinal);
            if (paren > 0)
            {
                word = word[..paren];
            }
            if (!dictionary._words.TryGetValue(word, out var list))
            {
                dictionary._words[word] = list = [];
            }
            list.Add(parts[1..]);
        }
        return dictionary;
    }

    public IReadOnlyList<string[]> Pronunciations(string word) =>
        _words.TryGetValue(word, out var list) ? list : [];
}
