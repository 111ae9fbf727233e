using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ViralForge.Core.Script;

/// <summary>A piece of the script schema. One tree serves the GBNF grammar, the JSON schema and the validator's limits.</summary>
public abstract record SchemaNode(string Description);

/// <summary>Text without leading or trailing white space, drawn from <see cref="Chars"/>.</summary>
public sealed record TextNode(string Description, int MinLength, int MaxLength, CharClass Chars) : SchemaNode(Description);

/// <summary>A number written with at most one decimal.</summary>
public sealed record NumberNode(string Description, int Min, int Max) : SchemaNode(Description);

public sealed record ArrayNode(string Description, SchemaNode Items, int MinItems, int MaxItems, string ItemName) : SchemaNode(Description);

public sealed record ObjectNode(string Description, IReadOnlyList<(string Name, SchemaNode Node)> Properties, string Name) : SchemaNode(Description);

/// <summary>A set of characters as inclusive code-point ranges, either allowed or (when <see cref="Negated"/>) excluded.</summary>
public sealed record CharClass(bool Negated, IReadOnlyList<(int From, int To)> Ranges)
{
    public bool Contains(int codePoint) => Ranges.Any(r => codePoint >= r.From && codePoint <= r.To) != Negated;

    public CharClass Without(params (int From, int To)[] more) =>
        Negated ? this with { Ranges = [.. Ranges, .. more] } : throw new InvalidOperationException("Only an excluding class can exclude more.");

    /// <summary>As a GBNF character class: <c>[^"\\\x00-\x1F]</c>.</summary>
    public string ToGbnf() => "[" + (Negated ? "^" : "") + string.Concat(Ranges.Select(r => r.From == r.To ? Escape(r.From) : $"{Escape(r.From)}-{Escape(r.To)}")) + "]";

    /// <summary>
    /// As an ECMAScript regex class (JSON schema "pattern" dialect) without the u flag, where
    /// characters beyond the BMP are surrogate pairs: the surrogate range stands for them.
    /// </summary>
    public string ToRegex() => "[" + (Negated ? "^" : "") + string.Concat(Ranges.Where(r => r.From <= 0xFFFF)
        .Select(r => (r.From, To: Math.Min(r.To, 0xFFFF)))
        .Select(r => r.From == r.To ? RegexEscape(r.From) : $"{RegexEscape(r.From)}-{RegexEscape(r.To)}")) + "]";

    private static string Escape(int cp) => cp switch
    {
        < 0x20 or (>= 0x7F and <= 0xFF) => $"\\x{cp:X2}",
        '"' or '\\' or ']' or '[' or '-' or '^' => "\\" + (char)cp,
        > 0xFFFF => $"\\U{cp:X8}",
        > 0x7E => $"\\u{cp:X4}",
        _ => ((char)cp).ToString(),
    };

    private static string RegexEscape(int cp) => cp switch
    {
        < 0x20 or > 0x7E => $"\\u{cp:X4}",
        _ when "\\]^-[/".Contains((char)cp) => "\\" + (char)cp,
        _ => ((char)cp).ToString(),
    };
}

/// <summary>
/// The script's output schema, defined once. Decoding under <see cref="Gbnf"/> (LLamaSharp) or
/// <see cref="JsonSchema"/> (OpenAI-compatible structured output) yields documents that
/// <see cref="ScriptValidator"/> accepts; the validator reads its limits from here.
/// </summary>
public static class ScriptSchema
{
    // Prose excludes what JSON would need escaped, control characters, markdown and markup
    // characters, and characters outside the BMP (so a length means the same to every reader).
    public static readonly CharClass Prose = new(true,
    [
        (0x00, 0x1F), ('"', '"'), ('\\', '\\'), ('*', '*'), ('[', '['), (']', ']'), ('{', '{'), ('}', '}'),
        ('<', '<'), ('>', '>'), ('`', '`'), ('#', '#'), ('|', '|'), (0x7F, 0x9F), (0x2028, 0x2029), (0xD800, 0xDFFF), (0xFFFD, 0xFFFD), (0x10000, 0x1FFFFF),
    ]);

    /// <summary>Prose minus white space: the first and last character of every text.</summary>
    public static readonly CharClass ProseEdge = Prose.Without((' ', ' '), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000));

    /// <summary>Letters and digits of the common scripts, and the underscore: all of them \p{L}, \p{N} or _.</summary>
    public static readonly CharClass HashtagChars = new(false,
    [
        ('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z'), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x17F), (0x391, 0x3A1), (0x3A3, 0x3C9),
        (0x410, 0x44F), (0x620, 0x64A), (0x3041, 0x3096), (0x30A1, 0x30FA), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3),
    ]);

    public const int MinScenes = 4;
    public const int MaxScenes = 10;
    public const int MinSceneSeconds = 2;
    public const int MaxSceneSeconds = 4;
    public const int MaxHashtags = 15;
    public const int MaxHashtagLength = 50;
    public const int MaxSearchTerms = 3;

    public static readonly TextNode Title = new("The video's title.", 1, 100, Prose);
    public static readonly TextNode Hook = new("The first line, said in the first two seconds to stop the scroll.", 0, 200, Prose);
    public static readonly TextNode Narration = new("What the narrator says in this scene.", 1, 300, Prose);
    public static readonly TextNode Visual = new("What the scene's keyframe shows, for an image model.", 1, 400, Prose);
    public static readonly NumberNode Duration = new("Seconds the scene's clip lasts.", MinSceneSeconds, MaxSceneSeconds);
    public static readonly TextNode SearchTerm = new("A short English phrase to search stock footage and photos for this scene.", 1, 40, Prose);
    public static readonly TextNode CaptionText = new("On-screen caption text for the whole video.", 0, 300, Prose);
    public static readonly TextNode Hashtag = new("A hashtag without spaces, optionally starting with #.", 1, MaxHashtagLength, HashtagChars);
    public static readonly TextNode CallToAction = new("What the viewer should do next.", 0, 200, Prose);

    public static readonly ObjectNode Scene = new("One scene.",
        [("narration", Narration), ("visual", Visual), ("durationSeconds", Duration),
         ("searchTerms", new ArrayNode("Stock search phrases in English, best first.", SearchTerm, 0, MaxSearchTerms, "search-term"))], "scene");

    public static readonly ObjectNode Root = new("A short vertical video's script.",
    [
        ("title", Title),
        ("hook", Hook),
        ("scenes", new ArrayNode("The scenes, in order.", Scene, MinScenes, MaxScenes, "scene")),
        ("captionText", CaptionText),
        ("hashtags", new ArrayNode("Hashtags.", Hashtag, 0, MaxHashtags, "hashtag")),
        ("callToAction", CallToAction),
    ], "root");

    public static string Gbnf { get; } = GbnfWriter.Write(Root);

    public static JsonObject JsonSchema() => JsonSchemaWriter.Write(Root);

    private static class GbnfWriter
    {
        public static string Write(ObjectNode root)
        {
            var rules = new List<string>();
            var named = new Dictionary<SchemaNode, string>(ReferenceEqualityComparer.Instance);
            string RuleFor(SchemaNode node, string name)
            {
                if (named.TryGetValue(node, out var existing))
                {
                    return existing;
                }
                named[node] = name;
                var body = node switch
                {
                    ObjectNode o => "\"{\" " + string.Join(" \",\" ws ", o.Properties.Select(p =>
                        $"{Literal($"\"{p.Name}\":")} ws {RuleFor(p.Node, RuleName(p.Name, p.Node))}")) + " \"}\"",
                    ArrayNode a => ArrayBody(a, RuleFor(a.Items, a.ItemName)),
                    TextNode t => TextBody(t, name),
                    NumberNode n => NumberBody(n),
                    _ => throw new InvalidOperationException(node.GetType().Name),
                };
                rules.Add($"{name} ::= {body}");
                return name;
            }
            string TextBody(TextNode t, string name)
            {
                var (edge, inner) = (t.Chars.Negated ? ProseEdgeFor(t.Chars) : t.Chars, t.Chars);
                var edgeRule = name + "-edge";
                var innerRule = name + "-char";
                rules.Add($"{edgeRule} ::= {edge.ToGbnf()}");
                rules.Add($"{innerRule} ::= {inner.ToGbnf()}");
                // First and last characters are not white space; the middle may be; lengths are bounded.
                var content = t.MaxLength == 1
                    ? edgeRule
                    : $"{edgeRule} ({innerRule}{{{Math.Max(0, t.MinLength - 2)},{t.MaxLength - 2}}} {edgeRule})" + (t.MinLength <= 1 ? "?" : "");
                return t.MinLength == 0 ? $"\"\\\"\" ({content})? \"\\\"\"" : $"\"\\\"\" {content} \"\\\"\"";
            }
            RuleFor(root, "root");
            rules.Add("ws ::= \" \"?");
            rules.Reverse();
            return string.Join('\n', rules) + "\n";
        }

        private static CharClass ProseEdgeFor(CharClass chars) => ReferenceEquals(chars, Prose) ? ProseEdge : chars;

        private static string ArrayBody(ArrayNode a, string item) => a.MinItems == 0
            ? $"\"[\" ({item} (\",\" ws {item}){{0,{a.MaxItems - 1}}})? \"]\""
            : $"\"[\" {item} (\",\" ws {item}){{{a.MinItems - 1},{a.MaxItems - 1}}} \"]\"";

        // Integers Min..Max with one optional decimal; Max itself only as Max or Max.0.
        private static string NumberBody(NumberNode n)
        {
            var below = string.Join(" | ", Enumerable.Range(n.Min, n.Max - n.Min).Select(i => Literal(i.ToString(CultureInfo.InvariantCulture))));
            return $"({below}) (\".\" [0-9])? | {Literal(n.Max.ToString(CultureInfo.InvariantCulture))} (\".0\")?";
        }

        private static string RuleName(string property, SchemaNode node) =>
            string.Concat(property.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString()));

        private static string Literal(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    private static class JsonSchemaWriter
    {
        public static JsonObject Write(SchemaNode node) => node switch
        {
            ObjectNode o => new JsonObject
            {
                ["type"] = "object",
                ["description"] = o.Description,
                ["properties"] = new JsonObject(o.Properties.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)Write(p.Node)))),
                ["required"] = new JsonArray(o.Properties.Select(p => (JsonNode?)p.Name).ToArray()),
                ["additionalProperties"] = false,
            },
            ArrayNode a => new JsonObject
            {
                ["type"] = "array",
                ["description"] = a.Description,
                ["items"] = Write(a.Items),
                ["minItems"] = a.MinItems,
                ["maxItems"] = a.MaxItems,
            },
            TextNode t => new JsonObject
            {
                ["type"] = "string",
                ["description"] = t.Description,
                ["minLength"] = t.MinLength,
                ["maxLength"] = t.MaxLength,
                ["pattern"] = TextPattern(t),
            },
            NumberNode n => new JsonObject
            {
                ["type"] = "number",
                ["description"] = n.Description,
                ["minimum"] = n.Min,
                ["maximum"] = n.Max,
            },
            _ => throw new InvalidOperationException(node.GetType().Name),
        };

        private static string TextPattern(TextNode t)
        {
            var edge = ReferenceEquals(t.Chars, Prose) ? ProseEdge : t.Chars;
            var inner = new StringBuilder().Append('^');
            inner.Append(t.MinLength == 0 ? "(" : "").Append(edge.ToRegex());
            inner.Append(t.MaxLength > 1 ? $"({t.Chars.ToRegex()}*{edge.ToRegex()})?" : "");
            inner.Append(t.MinLength == 0 ? ")?" : "").Append('$');
            return inner.ToString();
        }
    }
}
