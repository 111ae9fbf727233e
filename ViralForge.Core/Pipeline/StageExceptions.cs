namespace ViralForge.Core.Pipeline;

/// <summary>A failure that another attempt cannot fix (invalid input, missing configuration).</summary>
public sealed class PermanentStageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A failure that may pass (a busy resource, a timeout, a lost connection).</summary>
public sealed class TransientStageException(string message, Exception? inner = null) : Exception(message, inner);
