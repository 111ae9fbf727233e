using System.Text.Json;
using ViralForge.Gpu.Onnx;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A Piper voice the tests write themselves: an ONNX model with Piper's signature (input int64 [1,N],
/// input_lengths int64 [1], scales float [3] → output float [1,1,samples]) that turns every phoneme id
/// into <see cref="SamplesPerId"/> samples of a tone set by the id and the noise scale, and its voice JSON.
/// </summary>
public static class TinyPiperVoice
{
    public const int SamplesPerId = 256;
    public const int SampleRate = 22050;

    /// <summary>Piper's symbol inventory (pad, BOS, EOS, punctuation, IPA), one id each.</summary>
    public const string Symbols = "_^$ !'(),-.:;?abcdefhijklmnopqrstuvwxyzæçðøħŋœǀǁǂǃɐɑɒɓɔɕɖɗɘəɚɛɜɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐʑʒʔʕʘʙʛʜʝʟʡʢʲˈˌːˑ˞βθχᵻⱱ\u0303\u0361\u0329";

    public static Dictionary<string, long[]> PhonemeIdMap() =>
        Symbols.EnumerateRunes().Select((r, i) => (r.ToString(), (long)i)).ToDictionary(p => p.Item1, p => new[] { p.Item2 });

    public static string Write(string folder, string name = "tiny")
    {
        Directory.CreateDirectory(folder);
        var model = new OnnxModelBuilder("tiny-piper")
            .Input("input", OnnxModelBuilder.TensorInt64, 1, "phonemes")
            .Input("input_lengths", OnnxModelBuilder.TensorInt64, 1)
            .Input("scales", OnnxModelBuilder.TensorFloat, 3)
            .Output("output", OnnxModelBuilder.TensorFloat, 1, 1, "samples");
        var ids = model.Node("Cast", ["input"], attributes: ("to", OnnxModelBuilder.TensorFloat));
        var column = model.Node("Unsqueeze", [ids, model.Constant([2L], 1)]);
        var ramp = model.Constant(Enumerable.Range(1, SamplesPerId).Select(k => k * 0.02f).ToArray(), 1, 1, SamplesPerId);
        var phase = model.Node("Mul", [column, ramp]);
        var noise = model.Node("Gather", ["scales", model.Constant([0L])], attributes: ("axis", 0L));
        var tone = model.Node("Sin", [model.Node("Mul", [phase, model.Node("Add", [noise, model.Constant([1f], 1)])])]);
        var lengths = model.Node("Cast", ["input_lengths"], attributes: ("to", OnnxModelBuilder.TensorFloat));
        var one = model.Node("Div", [lengths, lengths]);
        var loud = model.Node("Mul", [model.Node("Mul", [tone, model.Constant([0.3f], 1)]), one]);
        model.Node("Reshape", [loud, model.Constant([1L, 1L, -1L], 3)], "output");
        var path = Path.Combine(folder, name + ".onnx");
        model.Save(path);

        var config = new
        {
            audio = new { sample_rate = SampleRate, quality = "x_low" },
            espeak = new { voice = "en-us" },
            inference = new { noise_scale = 0.667, length_scale = 1.0, noise_w = 0.8 },
            phoneme_type = "espeak",
            phoneme_id_map = PhonemeIdMap(),
            num_symbols = Symbols.Length,
            num_speakers = 1,
            dataset = "tests",
        };
        File.WriteAllText(path + ".json", JsonSerializer.Serialize(config));
        return path;
    }
}
