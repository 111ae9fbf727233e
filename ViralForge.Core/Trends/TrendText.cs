using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ViralForge.Core.Script;

namespace ViralForge.Core.Trends;

/// <summary>
/// Everything a source says is untrusted: HTML goes, entities are decoded once, control and invisible
/// characters go, lengths are capped; only http(s) links survive. Also the keys that find the same
/// trend told by two sources.
/// </summary>
public static partial class TrendText
{
    public const int MaxTitle = 300;
    public const int MaxSummary = 1000;
    public const int MaxUrl = 2000;

    [GeneratedRegex("<[^>]{0,2000}>", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Tag();

    [GeneratedRegex(@"<(script|style)\b[^>]{0,2000}>.{0,200000}?</\1\s*>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.Singleline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ScriptBlock();

    public static string Title(string? text) => Clean(text, MaxTitle);

    public static string? Summary(string? text) => Clean(text, MaxSummary) is { Length: > 0 } s ? s : null;

    /// <summary>Plain text from what may be HTML (feeds put markup in titles and CDATA summaries).</summary>
    public static string Clean(string? text, int maxChars)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        // Cap before the regexes so a huge field costs nothing.
        var s = text.Length > maxChars * 8 ? text[..(maxChars * 8)] : text;
        if (s.Contains('<', StringComparison.Ordinal))
        {
            s = Tag().Replace(ScriptBlock().Replace(s, " "), " ");
        }
        if (s.Contains('&', StringComparison.Ordinal))
        {
            s = WebUtility.HtmlDecode(s);
            // An entity-encoded tag ("&lt;b&gt;") is still markup once decoded.
            if (s.Contains('<', StringComparison.Ordinal))
            {
                s = Tag().Replace(s, " ");
            }
        }
        return UntrustedText.Clean(s.Normalize(NormalizationForm.FormC), maxChars).Text;
    }

    /// <summary>An absolute http(s) URL without credentials, or null: javascript:, data: and relative links are dropped.</summary>
    public static string? SafeUrl(string? url, Uri? relativeTo = null)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxUrl)
        {
            return null;
        }
        var trimmed = url.Trim();
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) && !(relativeTo is not null && Uri.TryCreate(relativeTo, trimmed, out uri)))
        {
            return null;
        }
        if (uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo) || uri.AbsoluteUri.Length > MaxUrl)
        {
            return null;
        }
        return uri.AbsoluteUri;
    }

    /// <summary>The same page behind different spellings: no scheme, no www., no tracking parameters, no fragment.</summary>
    public static string? UrlKey(string? url)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }
        var host = uri.Host.ToLowerInvariant();
        if (host.StartsWith("www.", StringComparison.Ordinal) || host.StartsWith("m.", StringComparison.Ordinal))
        {
            host = host[(host.IndexOf('.', StringComparison.Ordinal) + 1)..];
        }
        var query = string.Join('&', uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("utm_", StringComparison.OrdinalIgnoreCase) && !p.StartsWith("ref=", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal));
        var key = host + uri.AbsolutePath.TrimEnd('/') + (query.Length > 0 ? "?" + query : "");
        return key.Length <= MaxUrl ? key : key[..MaxUrl];
    }

    /// <summary>Lower-case words without accents or punctuation: "Taylor Swift’s Tour!" → "taylor swift s tour".</summary>
    public static string TitleKey(string title)
    {
        var sb = new StringBuilder(title.Length);
        var space = false;
        foreach (var c in title.Normalize(NormalizationForm.FormD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }
            if (char.IsLetterOrDigit(c))
            {
                if (space && sb.Length > 0)
                {
                    sb.Append(' ');
                }
                sb.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else
            {
                space = true;
            }
        }
        return sb.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>Near-same titles: the same key, or at least three words each and most of them shared.</summary>
    public static bool SameStory(string keyA, string keyB)
    {
        if (keyA.Length == 0 || keyB.Length == 0)
        {
            return false;
        }
        if (keyA == keyB)
        {
            return true;
        }
        var a = Words(keyA);
        var b = Words(keyB);
        if (a.Count < 3 || b.Count < 3)
        {
            return false;
        }
        var shared = a.Count(b.Contains);
        return shared / (double)(a.Count + b.Count - shared) >= 0.6;
    }

    private static HashSet<string> Words(string key) =>
        key.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length > 1 && !StopWords.Contains(w)).ToHashSet(StringComparer.Ordinal);

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "is", "are", "was", "with", "at", "by", "from", "as", "its", "it", "this", "that",
    };

    /// <summary>Blocked words, one per line or comma-separated, matched as whole words, any case.</summary>
    public static IReadOnlyList<string> ParseWords(string? words) =>
        (words ?? "").Split([',', '\n', '\r', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(TitleKey).Where(w => w.Length > 0).Distinct().ToList();

    public static string? BlockedWordIn(string titleKey, string? summary, IReadOnlyList<string> blocked)
    {
        if (blocked.Count == 0)
        {
            return null;
        }
        var text = " " + titleKey + " " + (summary is null ? "" : TitleKey(summary)) + " ";
        // Scripts written without spaces (Chinese, Japanese, Thai…) have no word boundaries to match on.
        return blocked.FirstOrDefault(w => w.Any(c => c >= '\u0E00')
            ? text.Contains(w, StringComparison.Ordinal)
            : text.Contains(" " + w + " ", StringComparison.Ordinal));
    }
}
