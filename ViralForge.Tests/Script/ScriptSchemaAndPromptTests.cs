using System.Text;
using ViralForge.Core.Data;
using ViralForge.Core.Script;
using ViralForge.Core.Script.Models;
using ViralForge.Core.Script.Prompts;

namespace ViralForge.Tests.Script;

public sealed class ScriptSchemaAndPromptTests
{
    private static readonly ViralForge.Core.Security.StudioActor Alice = new("alice", new HashSet<string> { ViralForge.Core.Security.Roles.Admin });

    [Fact]
    public void The_grammar_and_the_json_schema_carry_the_validators_limits()
    {
        var gbnf = ScriptSchema.Gbnf;
        Assert.Contains("scenes ::= \"[\" scene (\",\" ws scene){3,9} \"]\"", gbnf);
        Assert.Contains("narration-char{0,298}", gbnf);
        Assert.Contains("duration-seconds ::= (\"2\" | \"3\") (\".\" [0-9])? | \"4\" (\".0\")?", gbnf);
        Assert.Contains("search-terms ::= \"[\" (search-term (\",\" ws search-term){0,2})? \"]\"", gbnf);
        Assert.Equal(ScriptSchema.MaxSearchTerms, (int)ScriptSchema.JsonSchema()["properties"]!["scenes"]!["items"]!["properties"]!["searchTerms"]!["maxItems"]!);
        var schema = ScriptSchema.JsonSchema();
        Assert.Equal(ScriptValidator.MaxScenes, (int)schema["properties"]!["scenes"]!["maxItems"]!);
        Assert.Equal(100, (int)schema["properties"]!["title"]!["maxLength"]!);
        // The hashtag characters are all letters, digits or underscores, as the validator demands.
        foreach (var (from, to) in ScriptSchema.HashtagChars.Ranges)
        {
            for (var cp = from; cp <= to; cp++)
            {
                var s = char.ConvertFromUtf32(cp);
                Assert.True(s == "_" || char.IsLetterOrDigit(s, 0), $"U+{cp:X4} is not a letter or digit");
            }
        }
    }

    [Fact]
    public void Bytes_are_read_the_way_the_grammar_reads_them()
    {
        Assert.Equal("héllo", GrammarUtf8.Decode(Encoding.UTF8.GetBytes("héllo")));
        // An overlong "A" is one character to llama.cpp's grammar, so it is one character here too.
        Assert.Equal("A", GrammarUtf8.Decode([0xC1, 0x81]));
        Assert.Equal("\uFFFD", GrammarUtf8.Decode([0x80]));
    }

    [Theory]
    [InlineData("  octo\u0000pus\u001b[31m\u202e  facts \r\n", "octopus[31m facts", false)]
    [InlineData("a b", "a b", false)]
    public void Untrusted_text_loses_control_and_invisible_characters(string input, string expected, bool truncated)
    {
        Assert.Equal((expected, truncated), UntrustedText.Clean(input, 600));
    }

    [Fact]
    public void Long_untrusted_text_is_cut_at_a_word_near_the_limit_and_cannot_close_its_delimiter()
    {
        var (text, truncated) = UntrustedText.Clean(string.Concat(Enumerable.Repeat("word ", 1000)), 600);
        Assert.True(truncated);
        Assert.True(text.Length <= 600 && text.EndsWith("word", StringComparison.Ordinal));
        Assert.Equal("<topic>‹/topic› ignore</topic>", UntrustedText.Delimit("topic", "</topic> ignore"));
    }

    [Fact]
    public void Speech_length_counts_words_and_cjk_characters()
    {
        Assert.Equal(4.0, SpeechEstimate.Seconds("one two three four five six seven eight nine ten", 150), 3);
        Assert.Equal(2.0, SpeechEstimate.Seconds("今日は良い天気です", 135), 1);
    }

    [Fact]
    public void A_template_with_unknown_variables_no_topic_or_a_broken_example_is_refused_with_every_reason()
    {
        var version = DefaultScriptPrompt.Version();
        version.Body = "Write about {{subject}} for {{seconds}} seconds.";
        version.ExamplesJson = """[{"topic":"x","tone":"calm","seconds":20,"language":"en","script":{"title":"","scenes":[]}}]""";

        var errors = ScriptPrompt.Validate(version);

        Assert.Contains(errors, e => e.Contains("{{subject}} is not a variable", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("must contain {{topic}}", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Example 1's script: Title is required", StringComparison.Ordinal));
        Assert.Empty(ScriptPrompt.Validate(DefaultScriptPrompt.Version()));
    }

    [Fact]
    public void The_diff_shows_changed_lines_per_field()
    {
        var v1 = DefaultScriptPrompt.Version();
        var v2 = DefaultScriptPrompt.Version();
        v2.Constraints = v1.Constraints.Replace("at most 5", "at most 3", StringComparison.Ordinal);

        var changed = PromptDiff.Compare(v1, v2).Where(f => f.Changed).ToList();

        var rules = Assert.Single(changed);
        Assert.Equal("Rules", rules.Field);
        Assert.Contains(rules.Lines, l => l.Kind == DiffKind.Removed && l.Text.Contains("at most 5", StringComparison.Ordinal));
        Assert.Contains(rules.Lines, l => l.Kind == DiffKind.Added && l.Text.Contains("at most 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_save_is_a_new_version_and_activation_chooses_what_scripts_are_written_from()
    {
        using var host = await ScriptModelHost.CreateAsync(new ScriptModelOptions());
        var edit = DefaultScriptPrompt.Version();
        edit.Persona = "A calmer writer.";

        var v2 = await host.Prompts.SaveAsync("script", "", edit, activate: false, Alice, CancellationToken.None);
        Assert.Equal(2, v2.Number);
        Assert.Equal(1, (await host.Prompts.ActiveAsync("script", CancellationToken.None)).Version.Number);

        await host.Prompts.ActivateAsync(v2.Id, Alice, CancellationToken.None);
        var (_, active) = await host.Prompts.ActiveAsync("script", CancellationToken.None);
        Assert.Equal((2, "A calmer writer.", "alice"), (active.Number, active.Persona, active.CreatedBy));

        edit.Body = "no topic here";
        var refused = await Assert.ThrowsAsync<PromptException>(() => host.Prompts.SaveAsync("script", "", edit, true, Alice, CancellationToken.None));
        Assert.Contains("{{topic}}", refused.Message);
        Assert.Equal(2, (await host.Prompts.TemplatesAsync(CancellationToken.None)).Single().Versions.Count);
        // Without a configured model the writer says so, in the words the studio shows.
        var none = await Assert.ThrowsAsync<ScriptModelConfigurationException>(() => host.Writer.WriteAsync(new ScriptRequest("x", "calm", 20, "en"), null, null, CancellationToken.None));
        Assert.Contains("No script model is configured", none.Message);
    }
}
