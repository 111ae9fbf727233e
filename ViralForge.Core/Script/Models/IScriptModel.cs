using Microsoft.Extensions.AI;

namespace ViralForge.Core.Script.Models;

public sealed record ScriptModelSettings(long Seed, double Temperature, int MaxOutputTokens);

public sealed record ScriptModelAnswer(string Text, string Model);

/// <summary>A language model that answers a chat with one script object, constrained to <see cref="ScriptSchema"/>.</summary>
public interface IScriptModel
{
    /// <summary>"llama" (in-process GGUF) or "openai" (an OpenAI-compatible endpoint).</summary>
    string Provider { get; }

    /// <summary>The model as configured: a file name or the endpoint's model name.</summary>
    string Name { get; }

    Task<ScriptModelAnswer> CompleteAsync(IReadOnlyList<ChatMessage> messages, ScriptModelSettings settings, CancellationToken ct);
}

/// <summary>The model cannot be reached or refused for load: worth another attempt later.</summary>
public sealed class ScriptModelUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The model or its configuration is wrong: another attempt gives the same answer.</summary>
public sealed class ScriptModelConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
