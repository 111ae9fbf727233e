using System.Globalization;
using System.Text.RegularExpressions;
using ViralForge.Core.Media;
using ViralForge.Core.Narration;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Media;

/// <summary>Word timings from espeak-ng's own word events, checked against the audio itself.</summary>
public sealed class WordTimingTests
{
    [Fact]
    public async Task Words_are_timed_in_order_inside_the_audio_and_phrase_breaks_match_measured_silence()
    {
        const string text = "Octopuses have three hearts. Their blood is blue, thanks to copper.";
        var spoken = await EspeakLibrary.SpeakAsync(text, "en-us", 150, 50, CancellationToken.None);
        Assert.Equal(["Octopuses", "have", "three", "hearts.", "Their", "blood", "is", "blue,", "thanks", "to", "copper."], spoken.Words.Select(w => w.Word));
        Assert.Equal(22050, spoken.SampleRate);
        for (var i = 0; i < spoken.Words.Count; i++)
        {
            var w = spoken.Words[i];
            Assert.InRange(w.Start, 0, spoken.Seconds);
            Assert.InRange(w.End, w.Start, spoken.Seconds);
            if (i > 0)
            {
                Assert.True(w.Start > spoken.Words[i - 1].Start, $"'{w.Word}' starts before the word before it.");
            }
        }

        // The sentence break is a real pause: the next word starts within 150 ms of where the measured silence ends.
        var wav = Path.Combine(TestEnvironment.NewFolder("words"), "spoken.wav");
        await EspeakLibrary.WriteWavAsync(wav, spoken, CancellationToken.None);
        var detect = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-nostats", "-i", wav, "-af", "silencedetect=noise=-40dB:d=0.15", "-f", "null", "-"],
            TimeSpan.FromSeconds(30), CancellationToken.None);
        var silenceEnds = Regex.Matches(detect.StdErrTail, @"silence_end: ([\d.]+)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        var their = spoken.Words.Single(w => w.Word == "Their").Start;
        Assert.Contains(silenceEnds, end => Math.Abs(end - their) <= 0.15);
        var probe = await new Ffmpeg(Microsoft.Extensions.Options.Options.Create(new Core.Pipeline.MediaOptions())).ProbeAsync(wav, CancellationToken.None);
        Assert.InRange(probe.Seconds, spoken.Seconds - 0.01, spoken.Seconds + 0.01);
    }

    [Fact]
    public async Task A_dictionary_term_after_emoji_is_captioned_as_the_script_writes_it()
    {
        // Each emoji is one character to espeak but two UTF-16 units in the text the replacements are placed in.
        var rewritten = PronunciationRewriter.Apply("🚀🌕 Today NASA flies, and NASA lands.", "en-us",
            [new Core.Data.Pronunciation { Term = "NASA", SaysAs = "nassah agency" }]);
        Assert.Equal(2, rewritten.Replacements.Count);
        var spoken = await EspeakLibrary.SpeakAsync(rewritten, "en-us", 150, 50, CancellationToken.None);
        var words = spoken.Words.Select(w => w.Word).Where(w => w.Any(char.IsLetter)).ToList();
        Assert.Equal(["Today", "NASA", "flies,", "and", "NASA", "lands."], words);
    }

    [Fact]
    public async Task A_number_or_hyphenated_word_said_as_several_is_one_caption_word()
    {
        // espeak-ng sends a word event for each word it says ("twenty", "twenty", "four"), inside the written one.
        var spoken = await EspeakLibrary.SpeakAsync("In 2024, forty-two moons — seen: wow!", "en-us", 165, 50, CancellationToken.None);
        Assert.Equal(["In", "2024,", "forty-two", "moons", "seen:", "wow!"], spoken.Words.Select(w => w.Word));
        Assert.True(spoken.Words[1].End - spoken.Words[1].Start > 0.6, "2024 takes as long as its four spoken words.");
    }

    [Fact]
    public async Task An_unknown_voice_is_refused()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => EspeakLibrary.SpeakAsync("hello", "xx-nope", 150, 50, CancellationToken.None));
        Assert.Contains("no voice 'xx-nope'", error.Message);
        // The library is still usable afterwards, and language codes work as voices, as on the command line.
        Assert.NotEmpty((await EspeakLibrary.SpeakAsync("hello again", "en-us", 150, 50, CancellationToken.None)).Words);
        Assert.NotEmpty((await EspeakLibrary.SpeakAsync("hello again", "en-gb", 150, 50, CancellationToken.None)).Words);
        Assert.NotEmpty((await EspeakLibrary.SpeakAsync("bonjour", "fr", 150, 50, CancellationToken.None)).Words);
    }
}
