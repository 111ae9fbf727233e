using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Publishing;

/// <summary>
/// Signed, expiring links to one artifact, for fetchers that cannot sign in (Instagram's, a webhook's
/// receiver). The token is Data Protection's authenticated encryption of (artifact, expiry): a changed
/// byte fails to decrypt, an old one is past its time.
/// </summary>
public sealed class MediaLinks(IDataProtectionProvider provider, IOptions<PublishingOptions> options, TimeProvider time)
{
    public const string RoutePrefix = "public/media/";

    private readonly IDataProtector _protector = provider.CreateProtector("ViralForge.MediaLinks.v1");

    public bool CanLink => !string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl);

    public string For(Guid artifactId)
    {
        var baseUrl = options.Value.PublicBaseUrl?.TrimEnd('/')
            ?? throw new PublishRejectedException("Publishing:PublicBaseUrl is not set, so no outside service can fetch the video: set it to the address this studio is reached at.");
        var expires = time.GetUtcNow().AddMinutes(options.Value.MediaLinkMinutes).ToUnixTimeSeconds();
        var token = _protector.Protect($"{artifactId:N}|{expires.ToString(CultureInfo.InvariantCulture)}");
        return $"{baseUrl}/{RoutePrefix}{token}";
    }

    /// <summary>The artifact a token names, or why it is refused ("tampered", "expired").</summary>
    public (Guid? ArtifactId, string? Refusal) Read(string token)
    {
        string plain;
        try
        {
            plain = _protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return (null, "This link is not valid.");
        }
        var parts = plain.Split('|');
        if (parts.Length != 2 || !Guid.TryParseExact(parts[0], "N", out var id)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return (null, "This link is not valid.");
        }
        return DateTimeOffset.FromUnixTimeSeconds(expires) < time.GetUtcNow() ? (null, "This link has expired.") : (id, null);
    }
}
