using Microsoft.Extensions.Logging;

namespace ViralForge.Gpu.Onnx;

/// <summary>
/// A model set loaded on first use and kept warm, and loaded again when its files' stamp changes (a
/// model replaced on disk). Jobs using it run one at a time in the GPU slot, so none holds it then.
/// </summary>
public sealed class WarmModels<T>(string what, ILogger log) : IDisposable where T : class, IDisposable
{
    private readonly Lock _gate = new();
    private T? _models;
    private string? _stamp;

    public T? Loaded => _models;

    /// <param name="dropped">Called before replaced models are disposed, to drop what was built on them.</param>
    public T Get(string folder, string stamp, Func<T> load, Action? dropped = null)
    {
        lock (_gate)
        {
            if (_models is not null && stamp != _stamp)
            {
                log.LogInformation("{What} model files in {Folder} changed; loading them again.", what, folder);
                dropped?.Invoke();
                _models.Dispose();
                _models = null;
            }
            if (_models is null)
            {
                _models = load();
                _stamp = stamp;
                log.LogInformation("{What} models loaded from {Folder}.", what, folder);
            }
            return _models;
        }
    }

    public void Dispose() => _models?.Dispose();
}
