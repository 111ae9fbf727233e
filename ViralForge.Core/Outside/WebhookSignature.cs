using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ViralForge.Core.Outside;

/// <summary>
/// How the studio signs what it posts to a receiver, like Stripe's and GitHub's hooks:
/// <c>X-ViralForge-Signature: sha256=HEX</c>, the HMAC-SHA256 of "<c>{timestamp}.{body}</c>" under the
/// shared secret, the timestamp in its own header (so a receiver can refuse replays) and a delivery id
/// that stays the same across retries (so it can drop a repeat).
/// </summary>
public static class WebhookSignature
{
    public const string DeliveryHeader = "X-ViralForge-Delivery";
    public const string TimestampHeader = "X-ViralForge-Timestamp";
    public const string SignatureHeader = "X-ViralForge-Signature";

    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    public static HttpRequestMessage SignedPost(Uri url, string secret, string delivery, DateTimeOffset now, string body)
    {
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(DeliveryHeader, delivery);
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, "sha256=" + Sign(secret, timestamp, body));
        return request;
    }
}
