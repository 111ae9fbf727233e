using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ViralForge.Gpu.Svd;

/// <summary>
/// Seeded standard normal noise, so a seed gives the same clip again. Each value is a pure function of
/// (seed, fill number, index): a keyed integer hash of a counter feeds Box–Muller. Nothing depends on
/// scheduling, so ranges fill in parallel and every pass is vectorised; a seeded System.Random uses its
/// slow compatibility algorithm, and a sequential generator cannot be split across cores.
/// </summary>
public sealed class GaussianNoise(long seed)
{
    private const int Chunk = 1024;
    private const int ChunksPerTask = 64;
    private ulong _state = (ulong)seed;

    /// <summary>Writes scale · N(0, 1) values into <paramref name="target"/>; each call draws fresh keys from the seed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Fill(float[] target, double scale)
    {
        var (key1, key2) = NextKeys();
        if (scale == 0)
        {
            Array.Clear(target);
            return;
        }
        // Pair i gives target[i] (cosine) and target[half + i] (sine).
        var half = (target.Length + 1) / 2;
        var chunks = (half + Chunk - 1) / Chunk;
        var tasks = (chunks + ChunksPerTask - 1) / ChunksPerTask;
        var factor = (float)(-2 * scale * scale);
        Parallel.For(0, tasks, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (task) =>
        {
            var end = Math.Min(chunks, (task + 1) * ChunksPerTask);
            for (var chunk = task * ChunksPerTask; chunk < end; chunk++)
            {
                var start = chunk * Chunk;
                FillPairs(target, half, start, Math.Min(Chunk, half - start), key1, key2, factor);
            }
        });
    }

    private (uint, uint) NextKeys()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return ((uint)z, (uint)(z >> 32));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillPairs(Span<float> target, int half, int start, int count, uint key1, uint key2, float factor)
    {
        Span<float> radius = stackalloc float[Chunk];
        Span<float> angle = stackalloc float[Chunk];
        Span<float> sin = stackalloc float[Chunk];
        Span<float> cos = stackalloc float[Chunk];
        radius = radius[..count];
        angle = angle[..count];
        sin = sin[..count];
        cos = cos[..count];
        Uniforms(radius, angle, (uint)start, key1, key2);
        // r = √(−2 σ² ln u1), θ = 2π u2
        TensorPrimitives.Log(radius, radius);
        TensorPrimitives.Multiply(radius, factor, radius);
        TensorPrimitives.Sqrt(radius, radius);
        TensorPrimitives.Multiply(angle, 2 * MathF.PI, angle);
        TensorPrimitives.SinCos(angle, sin, cos);
        TensorPrimitives.Multiply(radius, cos, target.Slice(start, count));
        var sines = Math.Min(count, target.Length - half - start);
        if (sines > 0)
        {
            TensorPrimitives.Multiply(radius[..sines], sin[..sines], target.Slice(half + start, sines));
        }
    }

    /// <summary>Two uniforms per pair from counters 2i and 2i + 1: u1 in (0, 1] (its logarithm is taken), u2 in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Uniforms(Span<float> u1, Span<float> u2, uint firstPair, uint key1, uint key2)
    {
        const float unit = 1f / (1 << 24);
        var i = 0;
        var width = Vector<uint>.Count;
        if (Vector.IsHardwareAccelerated && u1.Length >= width)
        {
            Span<uint> lanes = stackalloc uint[width];
            for (var l = 0; l < width; l++)
            {
                lanes[l] = (uint)l;
            }
            var offsets = new Vector<uint>(lanes) * 2u;
            var k1 = new Vector<uint>(key1);
            var k2 = new Vector<uint>(key2);
            for (; i <= u1.Length - width; i += width)
            {
                var counter = new Vector<uint>((firstPair + (uint)i) * 2) + offsets;
                var a = Hash(counter, k1, k2);
                var b = Hash(counter + Vector<uint>.One, k1, k2);
                (Vector.ConvertToSingle(Vector.AsVectorInt32(Vector.ShiftRightLogical(a, 8))) * unit + new Vector<float>(unit)).CopyTo(u1[i..]);
                (Vector.ConvertToSingle(Vector.AsVectorInt32(Vector.ShiftRightLogical(b, 8))) * unit).CopyTo(u2[i..]);
            }
        }
        for (; i < u1.Length; i++)
        {
            var counter = (firstPair + (uint)i) * 2;
            u1[i] = (Hash(counter, key1, key2) >> 8) * unit + unit;
            u2[i] = (Hash(counter + 1, key1, key2) >> 8) * unit;
        }
    }

    // Two rounds of a low-bias 32-bit integer mixer (xor-shift-multiply), keyed between and before the rounds.
    private static Vector<uint> Hash(Vector<uint> x, Vector<uint> key1, Vector<uint> key2) => Mix(Mix(x ^ key1) + key2);

    private static uint Hash(uint x, uint key1, uint key2) => Mix(Mix(x ^ key1) + key2);

    private static Vector<uint> Mix(Vector<uint> x)
    {
        x ^= Vector.ShiftRightLogical(x, 16);
        x *= 0x7feb352dU;
        x ^= Vector.ShiftRightLogical(x, 15);
        x *= 0x846ca68bU;
        x ^= Vector.ShiftRightLogical(x, 16);
        return x;
    }

    private static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x7feb352dU;
        x ^= x >> 15;
        x *= 0x846ca68bU;
        x ^= x >> 16;
        return x;
    }
}
