using System.Text;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Script.Models;

/// <summary>
/// A local GGUF model run in-process by LLamaSharp. The weights are loaded once and kept; every
/// answer is decoded under the script's GBNF grammar, so it has the schema's shape whatever the
/// prompt says. One answer at a time: a second caller waits rather than doubling memory and threads.
/// </summary>
public sealed class LlamaScriptModel(IOptions<ScriptModelOptions> options, ILogger<LlamaScriptModel> log) : IScriptModel, IDisposable
{
    private readonly ScriptModelOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LLamaWeights? _weights;
    private ModelParams? _params;
    private Dictionary<LLamaToken, float>? _neverUtf8;

    public string Provider => "llama";

    public string Name => Path.GetFileName(_options.ModelPath) ?? "";

    public bool IsLoaded => _weights is not null;

    public async Task<ScriptModelAnswer> CompleteAsync(IReadOnlyList<ChatMessage> messages, ScriptModelSettings settings, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var weights = await LoadAsync(ct);
            var prompt = ApplyChatTemplate(weights, messages);
            using var sampling = new DefaultSamplingPipeline
            {
                Grammar = new Grammar(ScriptSchema.Gbnf, "root"),
                Seed = unchecked((uint)settings.Seed),
                Temperature = (float)settings.Temperature,
                LogitBias = _neverUtf8!,
            };
            // Decoding is CPU-bound native work; keep it off the caller's thread.
            var answer = await Task.Run(() => GenerateAsync(weights, prompt, sampling, settings.MaxOutputTokens, ct), ct);
            return new ScriptModelAnswer(answer, Name);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Prompt in, tokens out until the grammar is complete (end of generation) or the budget is spent.
    /// The bytes are decoded once at the end, the way the grammar read them.
    /// </summary>
    private async Task<string> GenerateAsync(LLamaWeights weights, string prompt, DefaultSamplingPipeline sampling, int maxTokens, CancellationToken ct)
    {
        using var context = weights.CreateContext(_params!, log);
        var tokens = context.Tokenize(prompt, addBos: true, special: true);
        var room = (int)context.ContextSize - tokens.Length;
        if (room < 64)
        {
            throw new ScriptModelConfigurationException($"The prompt is {tokens.Length} tokens but the model's context holds {context.ContextSize}; raise Script:ContextSize or shorten the prompt template and its examples.");
        }
        var batch = new LLamaBatch();
        var chunk = (int)context.BatchSize;
        for (var start = 0; start < tokens.Length; start += chunk)
        {
            batch.Clear();
            var end = Math.Min(tokens.Length, start + chunk);
            for (var i = start; i < end; i++)
            {
                batch.Add(tokens[i], i, LLamaSeqId.Zero, logits: i == tokens.Length - 1);
            }
            await context.DecodeAsync(batch, ct);
        }
        var bytes = new List<byte>(4096);
        var piece = new byte[256];
        var position = tokens.Length;
        for (var n = 0; n < Math.Min(maxTokens, room); n++)
        {
            ct.ThrowIfCancellationRequested();
            var token = sampling.Sample(context.NativeHandle, batch.TokenCount - 1);
            if (token.IsEndOfGeneration(weights.Vocab))
            {
                break;
            }
            var written = weights.NativeHandle.TokenToSpan(token, piece);
            bytes.AddRange(piece.AsSpan(0, (int)Math.Min(written, (uint)piece.Length)));
            batch.Clear();
            batch.Add(token, position++, LLamaSeqId.Zero, logits: true);
            await context.DecodeAsync(batch, ct);
        }
        return GrammarUtf8.Decode(bytes.ToArray());
    }

    private async Task<LLamaWeights> LoadAsync(CancellationToken ct)
    {
        if (_weights is not null)
        {
            return _weights;
        }
        var path = _options.ModelPath;
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new ScriptModelConfigurationException($"Script:ModelPath names no file ('{path}'); point it at a GGUF model.");
        }
        _params = new ModelParams(path)
        {
            ContextSize = (uint)_options.ContextSize,
            GpuLayerCount = _options.GpuLayers,
            Threads = _options.Threads > 0 ? _options.Threads : null,
        };
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var weights = await LLamaWeights.LoadFromFileAsync(_params, ct);
            _neverUtf8 = NeverUtf8Tokens(weights);
            _weights = weights;
            log.LogInformation("Script model {Model} loaded in {Ms} ms.", Name, started.ElapsedMilliseconds);
            return _weights;
        }
        catch (LoadWeightsFailedException ex)
        {
            throw new ScriptModelConfigurationException($"The script model '{Name}' could not be loaded: it is not a GGUF model llama.cpp can read ({ex.Message}).", ex);
        }
    }

    /// <summary>
    /// Byte-fallback tokens for bytes that never occur in UTF-8 (C0, C1, F5–FF). llama.cpp's grammar
    /// reads an F8–FF lead as a four-byte character, so a byte-level vocabulary could spell text no
    /// decoder accepts; banning them costs a well-trained model nothing.
    /// </summary>
    private static Dictionary<LLamaToken, float> NeverUtf8Tokens(LLamaWeights weights)
    {
        var banned = new Dictionary<LLamaToken, float>();
        Span<byte> piece = stackalloc byte[8];
        for (var id = 0; id < weights.Vocab.Count; id++)
        {
            var written = weights.NativeHandle.TokenToSpan(id, piece);
            if (written == 1 && piece[0] is 0xC0 or 0xC1 or >= 0xF5)
            {
                banned[id] = float.NegativeInfinity;
            }
        }
        return banned;
    }

    /// <summary>The model's own chat template from its GGUF metadata; llama.cpp's default when it has none.</summary>
    private static string ApplyChatTemplate(LLamaWeights weights, IReadOnlyList<ChatMessage> messages)
    {
        var template = new LLamaTemplate(weights, strict: false) { AddAssistant = true };
        foreach (var message in messages)
        {
            template.Add(message.Role.Value, message.Text);
        }
        return Encoding.UTF8.GetString(template.Apply());
    }

    public void Dispose()
    {
        _weights?.Dispose();
        _gate.Dispose();
    }
}

/// <summary>
/// UTF-8 read the way llama.cpp's grammar reads it. Byte-fallback tokens can spell a character with
/// more bytes than needed (an overlong form), which the grammar counts as that one character but a
/// strict decoder turns into several replacement characters; reading them alike keeps lengths and
/// characters what the grammar allowed.
/// </summary>
public static class GrammarUtf8
{
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        var i = 0;
        while (i < bytes.Length)
        {
            var lead = bytes[i];
            var length = (lead >> 4) switch
            {
                < 8 => 1,
                < 12 => 0, // a continuation byte where a character should start
                < 14 => 2,
                14 => 3,
                _ => 4,
            };
            if (length == 0 || i + length > bytes.Length)
            {
                sb.Append('\uFFFD');
                i++;
                continue;
            }
            var value = length switch
            {
                1 => lead,
                2 => lead & 0x1F,
                3 => lead & 0x0F,
                _ => lead & 0x07,
            };
            var valid = true;
            for (var k = 1; k < length; k++)
            {
                if ((bytes[i + k] & 0xC0) != 0x80)
                {
                    valid = false;
                    break;
                }
                value = (value << 6) | (bytes[i + k] & 0x3F);
            }
            if (!valid || value is > 0x10FFFF or (>= 0xD800 and <= 0xDFFF))
            {
                sb.Append('\uFFFD');
                i++;
                continue;
            }
            sb.Append(char.ConvertFromUtf32(value));
            i += length;
        }
        return sb.ToString();
    }
}
