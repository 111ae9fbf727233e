using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace ViralForge.Core.Publishing;

public sealed record OAuthTokens(string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt, string? Scope)
{
    // Records print their members; a token must never reach a log through ToString.
    public override string ToString() => $"OAuthTokens(expires {ExpiresAt:u})";
}

public sealed record WebhookSecret(string Secret)
{
    public override string ToString() => "WebhookSecret(…)";
}

/// <summary>Channel secrets encrypted at rest with ASP.NET Data Protection (keys rotate; old ones still decrypt).</summary>
public sealed class ChannelSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("ViralForge.Channels.Secret.v1");

    public string Protect<T>(T value) => _protector.Protect(JsonSerializer.Serialize(value));

    public T? Unprotect<T>(string? value) where T : class =>
        string.IsNullOrEmpty(value) ? null : JsonSerializer.Deserialize<T>(_protector.Unprotect(value));
}
