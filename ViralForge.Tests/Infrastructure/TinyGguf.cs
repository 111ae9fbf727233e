using System.Text;

namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// A llama-architecture GGUF model the tests write themselves: a few layers of random F32 weights
/// and a SentencePiece vocabulary of control tokens plus the 256 byte-fallback tokens, so every
/// text can be tokenized and every grammar-allowed byte can be sampled.
/// </summary>
public static class TinyGguf
{
    private const int Embedding = 64;
    private const int Heads = 4;
    private const int FeedForward = 128;
    private const int Layers = 2;
    private const int Alignment = 32;

    // GGUF value types.
    private const uint TypeUInt32 = 4, TypeInt32 = 5, TypeFloat32 = 6, TypeString = 8, TypeArray = 9;

    public static string Write(string path, int contextLength = 16384, int seed = 7)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        var types = new List<int> { 2, 3, 3 };
        types.AddRange(Enumerable.Repeat(6, 256));
        var vocab = tokens.Count;

        var metadata = new List<Action<BinaryWriter>>
        {
            w => Kv(w, "general.architecture", TypeString, () => Str(w, "llama")),
            w => Kv(w, "general.name", TypeString, () => Str(w, "viralforge-tiny-test")),
            w => Kv(w, "general.alignment", TypeUInt32, () => w.Write((uint)Alignment)),
            w => Kv(w, "llama.context_length", TypeUInt32, () => w.Write((uint)contextLength)),
            w => Kv(w, "llama.embedding_length", TypeUInt32, () => w.Write((uint)Embedding)),
            w => Kv(w, "llama.block_count", TypeUInt32, () => w.Write((uint)Layers)),
            w => Kv(w, "llama.feed_forward_length", TypeUInt32, () => w.Write((uint)FeedForward)),
            w => Kv(w, "llama.rope.dimension_count", TypeUInt32, () => w.Write((uint)(Embedding / Heads))),
            w => Kv(w, "llama.attention.head_count", TypeUInt32, () => w.Write((uint)Heads)),
            w => Kv(w, "llama.attention.head_count_kv", TypeUInt32, () => w.Write((uint)Heads)),
            w => Kv(w, "llama.attention.layer_norm_rms_epsilon", TypeFloat32, () => w.Write(1e-5f)),
            w => Kv(w, "llama.vocab_size", TypeUInt32, () => w.Write((uint)vocab)),
            w => Kv(w, "tokenizer.ggml.model", TypeString, () => Str(w, "llama")),
            w => Kv(w, "tokenizer.ggml.tokens", TypeArray, () => { w.Write(TypeString); w.Write((ulong)vocab); tokens.ForEach(t => Str(w, t)); }),
            w => Kv(w, "tokenizer.ggml.scores", TypeArray, () => { w.Write(TypeFloat32); w.Write((ulong)vocab); tokens.ForEach(_ => w.Write(0f)); }),
            w => Kv(w, "tokenizer.ggml.token_type", TypeArray, () => { w.Write(TypeInt32); w.Write((ulong)vocab); types.ForEach(w.Write); }),
            w => Kv(w, "tokenizer.ggml.bos_token_id", TypeUInt32, () => w.Write(1u)),
            w => Kv(w, "tokenizer.ggml.eos_token_id", TypeUInt32, () => w.Write(2u)),
            w => Kv(w, "tokenizer.ggml.unknown_token_id", TypeUInt32, () => w.Write(0u)),
        };

        // ggml dimension order: the fastest-moving dimension first.
        var tensors = new List<(string Name, long[] Shape, bool Ones)>
        {
            ("token_embd.weight", [Embedding, vocab], false),
            ("output_norm.weight", [Embedding], true),
            ("output.weight", [Embedding, vocab], false),
        };
        for (var i = 0; i < Layers; i++)
        {
            tensors.Add(($"blk.{i}.attn_norm.weight", [Embedding], true));
            tensors.Add(($"blk.{i}.attn_q.weight", [Embedding, Embedding], false));
            tensors.Add(($"blk.{i}.attn_k.weight", [Embedding, Embedding], false));
            tensors.Add(($"blk.{i}.attn_v.weight", [Embedding, Embedding], false));
            tensors.Add(($"blk.{i}.attn_output.weight", [Embedding, Embedding], false));
            tensors.Add(($"blk.{i}.ffn_norm.weight", [Embedding], true));
            tensors.Add(($"blk.{i}.ffn_gate.weight", [Embedding, FeedForward], false));
            tensors.Add(($"blk.{i}.ffn_down.weight", [FeedForward, Embedding], false));
            tensors.Add(($"blk.{i}.ffn_up.weight", [Embedding, FeedForward], false));
        }

        using var file = File.Create(path);
        using var w = new BinaryWriter(file, Encoding.UTF8);
        w.Write(0x46554747u); // "GGUF"
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        w.Write((ulong)metadata.Count);
        metadata.ForEach(m => m(w));
        ulong offset = 0;
        foreach (var (name, shape, _) in tensors)
        {
            Str(w, name);
            w.Write((uint)shape.Length);
            foreach (var d in shape)
            {
                w.Write((ulong)d);
            }
            w.Write(0u); // F32
            w.Write(offset);
            offset += Aligned((ulong)(shape.Aggregate(1L, (a, b) => a * b) * 4));
        }
        Pad(w);
        var random = new Random(seed);
        foreach (var (_, shape, ones) in tensors)
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            for (var i = 0; i < count; i++)
            {
                w.Write(ones ? 1f : (float)((random.NextDouble() * 2 - 1) * 0.5));
            }
            Pad(w);
        }
        return path;
    }

    private static ulong Aligned(ulong n) => (n + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w)
    {
        w.Flush();
        while (w.BaseStream.Position % Alignment != 0)
        {
            w.Write((byte)0);
        }
    }

    private static void Kv(BinaryWriter w, string key, uint type, Action value)
    {
        Str(w, key);
        w.Write(type);
        value();
    }

    private static void Str(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
