using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Script.Models;

/// <summary>The configured script model, created once and kept warm; or why there is none.</summary>
public sealed class ScriptModels : IDisposable
{
    private readonly Lazy<(IScriptModel? Model, string Problem)> _model;

    public ScriptModels(IOptions<ScriptModelOptions> options, ILoggerFactory logs, Outside.HostRateLimiter limiter)
    {
        var o = options.Value;
        _model = new Lazy<(IScriptModel?, string)>(() =>
        {
            try
            {
                return o.EffectiveProvider switch
                {
                    "llama" => (new LlamaScriptModel(options, logs.CreateLogger<LlamaScriptModel>()), ""),
                    "openai" => (new OpenAiCompatibleScriptModel(options, limiter), ""),
                    _ => (null, "No script model is configured (set Script:ModelPath to a GGUF file, or Script:Endpoint and Script:Model for an OpenAI-compatible server). Write the script by hand instead."),
                };
            }
            catch (ScriptModelConfigurationException ex)
            {
                return (null, ex.Message);
            }
        });
    }

    public IScriptModel? Current => _model.Value.Model;

    /// <summary>Why no model writes scripts; empty when one does.</summary>
    public string Problem => _model.Value.Problem;

    public string Describe() => Current is { } m ? $"{m.Name} ({ProviderName(m.Provider)})" : "none";

    /// <summary>A provider as people read it.</summary>
    public static string ProviderName(string? provider) => provider == "llama" ? "local GGUF via LLamaSharp" : "OpenAI-compatible endpoint";

    public void Dispose()
    {
        if (_model.IsValueCreated && _model.Value.Model is IDisposable d)
        {
            d.Dispose();
        }
    }
}
