using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ViralForge.Gpu.Onnx;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A Kokoro folder the tests write themselves: a model with Kokoro's signature (input_ids int64 [1,N],
/// style float [1,256], speed float [1] → waveform float [samples]) that turns every token into
/// <see cref="SamplesPerToken"/> samples of a tone set by the token id and the speed, at an amplitude of
/// 0.3 × (1 + the style's first value); the phoneme vocabulary in tokenizer.json (the ONNX export's
/// layout); voices as voices/NAME.bin and as a NumPy archive, whose style row r holds r / 1000.
/// </summary>
public static class TinyKokoro
{
    public const int SamplesPerToken = 240;
    public const int Rows = 510;

    public static Dictionary<string, long> Vocabulary() =>
        TinyPiperVoice.Symbols.EnumerateRunes().Where(r => r.ToString() is not ("_" or "^" or "$")).Select((r, i) => (r.ToString(), (long)i + 1)).ToDictionary(p => p.Item1, p => p.Item2);

    public static string Write(string voicesFolder)
    {
        var folder = Path.Combine(voicesFolder, "kokoro");
        Directory.CreateDirectory(Path.Combine(folder, "voices"));
        var model = new OnnxModelBuilder("tiny-kokoro")
            .Input("input_ids", OnnxModelBuilder.TensorInt64, 1, "tokens")
            .Input("style", OnnxModelBuilder.TensorFloat, 1, 256)
            .Input("speed", OnnxModelBuilder.TensorFloat, 1)
            .Output("waveform", OnnxModelBuilder.TensorFloat, "samples");
        var ids = model.Node("Cast", ["input_ids"], attributes: ("to", OnnxModelBuilder.TensorFloat));
        var column = model.Node("Unsqueeze", [ids, model.Constant([2L], 1)]);
        var ramp = model.Constant(Enumerable.Range(1, SamplesPerToken).Select(k => k * 0.01f).ToArray(), 1, 1, SamplesPerToken);
        var phase = model.Node("Mul", [model.Node("Mul", [column, ramp]), "speed"]);
        var first = model.Node("Gather", ["style", model.Constant([0L], 1)], attributes: ("axis", 1L));
        var gain = model.Node("Mul", [model.Node("Add", [first, model.Constant([1f], 1)]), model.Constant([0.3f], 1)]);
        var wave = model.Node("Mul", [model.Node("Sin", [phase]), gain]);
        model.Node("Reshape", [wave, model.Constant([-1L], 1)], "waveform");
        model.Save(Path.Combine(folder, "model.onnx"));

        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), JsonSerializer.Serialize(new { model = new { type = "WordLevel", vocab = Vocabulary() } }));
        File.WriteAllBytes(Path.Combine(folder, "voices", "af_tiny.bin"), StyleTable());
        File.WriteAllBytes(Path.Combine(folder, "voices", "bf_tiny.bin"), StyleTable());
        // The original release's layout: every voice one float32 array in a .npz archive.
        var archive = Path.Combine(folder, "voices-v1.0.bin");
        File.Delete(archive);
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            using var entry = zip.CreateEntry("zf_tiny.npy").Open();
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256), }";
            header = header.PadRight(128 - 10 - 1) + "\n";
            entry.Write([0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, 0]);
            entry.Write(Encoding.ASCII.GetBytes(header));
            entry.Write(StyleTable());
        }
        return folder;
    }

    /// <summary>The style the model gets for a sentence of <paramref name="tokens"/> phoneme tokens.</summary>
    public static float StyleFor(int tokens) => Math.Min(tokens, Rows - 1) / 1000f;

    private static byte[] StyleTable()
    {
        var values = new float[Rows * 256];
        for (var r = 0; r < Rows; r++)
        {
            Array.Fill(values, r / 1000f, r * 256, 256);
        }
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
