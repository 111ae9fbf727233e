using System.Globalization;
using System.Text;

namespace ViralForge.Core.Narration.Alignment;

/// <summary>
/// espeak-ng's IPA for English turned into the ARPAbet phones of the CMU dictionary, so words the
/// dictionary lacks (names, numbers, dictionary respellings) can still be aligned.
/// </summary>
public static class ArpabetPhones
{
    // Longest first: diphthongs and affricates before their parts.
    private static readonly (string Ipa, string[] Phones)[] Table =
    [
        ("aɪə", ["AY", "ER"]), ("aʊə", ["AW", "ER"]),
        ("aɪ", ["AY"]), ("aʊ", ["AW"]), ("eɪ", ["EY"]), ("oʊ", ["OW"]), ("əʊ", ["OW"]), ("ɔɪ", ["OY"]),
        ("ɪə", ["IH", "R"]), ("eə", ["EH", "R"]), ("ʊə", ["UH", "R"]), ("dʒ", ["JH"]), ("tʃ", ["CH"]),
        ("ɑ", ["AA"]), ("ɒ", ["AA"]), ("æ", ["AE"]), ("a", ["AE"]), ("ʌ", ["AH"]), ("ə", ["AH"]), ("ɐ", ["AH"]),
        ("ɚ", ["ER"]), ("ɜ", ["ER"]), ("ɝ", ["ER"]), ("ɔ", ["AO"]), ("ɛ", ["EH"]), ("e", ["EH"]),
        ("ɪ", ["IH"]), ("ᵻ", ["IH"]), ("i", ["IY"]), ("ʊ", ["UH"]), ("u", ["UW"]), ("o", ["OW"]), ("y", ["UW"]),
        ("ø", ["ER"]), ("œ", ["ER"]),
        ("b", ["B"]), ("d", ["D"]), ("f", ["F"]), ("ɡ", ["G"]), ("g", ["G"]), ("h", ["HH"]), ("k", ["K"]),
        ("l", ["L"]), ("ɫ", ["L"]), ("m", ["M"]), ("n", ["N"]), ("ŋ", ["NG"]), ("p", ["P"]), ("ɹ", ["R"]),
        ("r", ["R"]), ("ɾ", ["T"]), ("s", ["S"]), ("ʃ", ["SH"]), ("t", ["T"]), ("θ", ["TH"]), ("ð", ["DH"]),
        ("v", ["V"]), ("w", ["W"]), ("j", ["Y"]), ("z", ["Z"]), ("ʒ", ["ZH"]), ("x", ["K"]), ("ç", ["HH"]),
        ("ɬ", ["L"]), ("ʔ", []),
    ];

    /// <summary>The phones of a word's IPA; null when a sound has no English phone.</summary>
    public static IReadOnlyList<string>? FromIpa(string ipa)
    {
        // Stress, length, syllable and tie marks carry no phone; combining marks (nasal, syllabic) neither.
        var plain = new StringBuilder();
        foreach (var c in ipa.Normalize(NormalizationForm.FormD))
        {
            if (c is 'ˈ' or 'ˌ' or 'ː' or 'ˑ' or '.' or '‿' or '-' or '_' || char.IsWhiteSpace(c)
                || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.ModifierSymbol or UnicodeCategory.ModifierLetter)
            {
                continue;
            }
            plain.Append(c);
        }
        var text = plain.ToString();
        var phones = new List<string>();
        for (var i = 0; i < text.Length;)
        {
            var hit = Array.FindIndex(Table, t => string.CompareOrdinal(text, i, t.Ipa, 0, t.Ipa.Length) == 0);
            if (hit < 0)
            {
                return null;
            }
            phones.AddRange(Table[hit].Phones);
            i += Table[hit].Ipa.Length;
        }
        return phones.Count == 0 ? null : phones;
    }
}
