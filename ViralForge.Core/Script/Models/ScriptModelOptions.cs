using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Script.Models;

/// <summary>Which language model writes scripts (section "Script"). With neither a model file nor an endpoint, scripts are written by hand.</summary>
public sealed class ScriptModelOptions
{
    public const string Section = "Script";

    /// <summary>auto (a model file wins over an endpoint), llama, openai, or none.</summary>
    [RegularExpression("^(auto|llama|openai|none)$", ErrorMessage = "Script:Provider must be auto, llama, openai or none.")]
    public string Provider { get; set; } = "auto";

    /// <summary>A GGUF model file, run in-process by LLamaSharp.</summary>
    public string? ModelPath { get; set; }

    [Range(512, 131072)]
    public int ContextSize { get; set; } = 8192;

    /// <summary>Layers offloaded to a GPU by llama.cpp (0 on the CPU backend).</summary>
    [Range(0, 1000)]
    public int GpuLayers { get; set; }

    [Range(0, 256)]
    public int Threads { get; set; }

    /// <summary>An OpenAI-compatible server's base address, e.g. http://localhost:11434/v1 for Ollama.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The model name the endpoint knows.</summary>
    public string? Model { get; set; }

    /// <summary>Sent as a bearer token; from the environment (Script__ApiKey), never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one request to the endpoint may take.</summary>
    [Range(1, 3600)]
    public double TimeoutSeconds { get; set; } = 180;

    /// <summary>Retries of a request the endpoint refused for load (429, 5xx) or that timed out; Retry-After is honoured up to <see cref="MaxRetryAfterSeconds"/>.</summary>
    [Range(0, 10)]
    public int HttpRetries { get; set; } = 3;

    [Range(1, 600)]
    public double MaxRetryAfterSeconds { get; set; } = 60;

    [Range(256, 32768)]
    public int MaxOutputTokens { get; set; } = 4096;

    [Range(0, 2)]
    public double Temperature { get; set; } = 0.7;

    /// <summary>The pace narration is judged at when a script's spoken length is checked.</summary>
    [Range(60, 300)]
    public double WordsPerMinute { get; set; } = 150;

    /// <summary>Attempts with the validation errors fed back, after the first one.</summary>
    [Range(0, 3)]
    public int FeedbackRetries { get; set; } = 3;

    public string EffectiveProvider => Provider switch
    {
        "auto" when !string.IsNullOrWhiteSpace(ModelPath) => "llama",
        "auto" when !string.IsNullOrWhiteSpace(Endpoint) => "openai",
        "auto" => "none",
        _ => Provider,
    };
}
