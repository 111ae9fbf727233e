using System.Text;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A whisper.cpp ggml model in miniature, written by the tests: the real file layout (magic, the eleven
/// hyper-parameters, mel filters, vocabulary, then every tensor whisper.cpp asks for by its real name,
/// shape and type: f16 weights and convolutions, f32 norms, biases and positional embeddings) at a
/// 32-wide state with one layer each side. Its weights are set by hand so that it "hears" a given
/// sentence whatever the sound: each token's embedding is a direction of its own, and the decoder's
/// feed-forward layer turns the direction of one token of the sentence into the next one's, so greedy
/// decoding follows the chain start-of-transcript → timestamp → words → timestamp → end of text.
/// Attention is zero, so the sound only reaches whisper.cpp's own per-token timing, as with a real model.
/// A sentence may not repeat a token (a chain cannot fork).
/// </summary>
public static class TinyWhisper
{
    private const int State = 32;
    private const int AudioContext = 1500;
    private const int TextContext = 128;
    private const float EmbeddingScale = 4f;
    private const float StepGain = 20f;

    /// <param name="words">What it hears, one token each, as Whisper writes them (" The", " fox", ",").</param>
    /// <param name="from">Seconds of the opening timestamp token (whisper.cpp's 20 ms steps).</param>
    /// <param name="to">Seconds of the closing timestamp token.</param>
    public static void Write(string path, IReadOnlyList<string> words, double from, double to, bool multilingual = false)
    {
        var vocabulary = multilingual ? 51865 : 51864;
        var eot = multilingual ? 50257 : 50256;
        var sot = eot + 1;
        // English-only: the prompt ends at start-of-transcript; multilingual: at the transcribe task token.
        var promptEnd = multilingual ? 50359 : sot;
        var firstTimestamp = multilingual ? 50364 : 50363;
        if (words.Count + 4 > State || words.Distinct().Count() != words.Count)
        {
            throw new ArgumentException("The tiny model hears at most 28 distinct tokens.", nameof(words));
        }
        // Vocabulary ids: " " (whisper.cpp looks it up at the first step), then the sentence's words.
        string[] pieces = [" ", .. words];
        var chain = new List<int> { promptEnd, firstTimestamp + (int)Math.Round(from / 0.02) };
        chain.AddRange(Enumerable.Range(1, words.Count));
        chain.Add(firstTimestamp + (int)Math.Round(to / 0.02));
        chain.Add(eot);
        var slot = chain.Select((token, i) => (token, i)).ToDictionary(p => p.token, p => p.i);

        using var w = new BinaryWriter(File.Create(path));
        w.Write(0x67676d6c);
        foreach (var value in new[] { vocabulary, AudioContext, State, 1, 1, TextContext, State, 1, 1, 80, 1 })
        {
            w.Write(value);
        }
        // Mel filters: 80 bands over the 201 bins of a 400-point FFT.
        w.Write(80);
        w.Write(201);
        for (var m = 0; m < 80; m++)
        {
            for (var f = 0; f < 201; f++)
            {
                w.Write(f >= m * 2 && f < m * 2 + 4 ? 0.5f : 0f);
            }
        }
        w.Write(pieces.Length);
        foreach (var piece in pieces)
        {
            var bytes = Encoding.UTF8.GetBytes(piece);
            w.Write(bytes.Length);
            w.Write(bytes);
        }

        Tensor(w, "encoder.positional_embedding", [State, AudioContext], Zero);
        Tensor(w, "encoder.conv1.weight", [3, 80, State], Zero);
        Tensor(w, "encoder.conv1.bias", [1, State], Zero);
        Tensor(w, "encoder.conv2.weight", [3, State, State], Zero);
        Tensor(w, "encoder.conv2.bias", [1, State], Zero);
        Tensor(w, "encoder.ln_post.weight", [State], One);
        Tensor(w, "encoder.ln_post.bias", [State], Zero);
        Block(w, "encoder.blocks.0", ["attn"], Zero, Zero);

        Tensor(w, "decoder.positional_embedding", [State, TextContext], Zero);
        Tensor(w, "decoder.token_embedding.weight", [State, vocabulary],
            i => slot.TryGetValue(i / State, out var s) && s == i % State ? EmbeddingScale : 0f);
        Tensor(w, "decoder.ln.weight", [State], One);
        Tensor(w, "decoder.ln.bias", [State], Zero);
        // Feed-forward: copy the state into the first hidden units, then move chain position j to j + 1.
        Block(w, "decoder.blocks.0", ["attn", "cross_attn"],
            i => i / State == i % State ? 1f : 0f,
            i => i % (4 * State) < State && i / (4 * State) == i % (4 * State) + 1 ? StepGain : 0f);
    }

    private static float Zero(int i) => 0f;

    private static float One(int i) => 1f;

    private static void Block(BinaryWriter w, string prefix, string[] attentions, Func<int, float> up, Func<int, float> down)
    {
        Tensor(w, $"{prefix}.mlp_ln.weight", [State], One);
        Tensor(w, $"{prefix}.mlp_ln.bias", [State], Zero);
        Tensor(w, $"{prefix}.mlp.0.weight", [State, 4 * State], up);
        Tensor(w, $"{prefix}.mlp.0.bias", [4 * State], Zero);
        Tensor(w, $"{prefix}.mlp.2.weight", [4 * State, State], down);
        Tensor(w, $"{prefix}.mlp.2.bias", [State], Zero);
        foreach (var a in attentions)
        {
            Tensor(w, $"{prefix}.{a}_ln.weight", [State], One);
            Tensor(w, $"{prefix}.{a}_ln.bias", [State], Zero);
            Tensor(w, $"{prefix}.{a}.query.weight", [State, State], Zero);
            Tensor(w, $"{prefix}.{a}.query.bias", [State], Zero);
            Tensor(w, $"{prefix}.{a}.key.weight", [State, State], Zero);
            Tensor(w, $"{prefix}.{a}.value.weight", [State, State], Zero);
            Tensor(w, $"{prefix}.{a}.value.bias", [State], Zero);
            Tensor(w, $"{prefix}.{a}.out.weight", [State, State], Zero);
            Tensor(w, $"{prefix}.{a}.out.bias", [State], Zero);
        }
    }

    /// <summary>One tensor record: dims, name length, type (0 f32, 1 f16), ggml's dims (innermost first), name, data.</summary>
    private static void Tensor(BinaryWriter w, string name, int[] dims, Func<int, float> value)
    {
        // As whisper.cpp's converter writes them: matrices and convolutions in f16, the rest in f32.
        var half = dims.Length >= 2 && !name.Contains("positional", StringComparison.Ordinal) && !name.EndsWith(".bias", StringComparison.Ordinal);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        w.Write(dims.Length);
        w.Write(nameBytes.Length);
        w.Write(half ? 1 : 0);
        foreach (var d in dims)
        {
            w.Write(d);
        }
        w.Write(nameBytes);
        var count = dims.Aggregate(1, (a, b) => a * b);
        for (var i = 0; i < count; i++)
        {
            if (half)
            {
                w.Write((Half)value(i));
            }
            else
            {
                w.Write(value(i));
            }
        }
    }
}
