using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ViralForge.Core.Publishing;

/// <summary>
/// Posts the publication as JSON (with a signed, expiring link to the file) to the channel's URL,
/// signed with the channel's secret (<see cref="Outside.WebhookSignature"/>).
/// </summary>
public sealed class WebhookPublisher(IHttpClientFactory http, ChannelSecrets secrets, IOptions<PublishingOptions> options, TimeProvider time) : IPublisher
{
    public const string HttpClientName = "webhook";

    public ChannelPlatform Platform => ChannelPlatform.Webhook;

    public async Task<PublishResult> PublishAsync(PublishJob job, CancellationToken ct)
    {
        var url = ChannelSettings.Text(job.Channel, "url") is { } u && Uri.TryCreate(u, UriKind.Absolute, out var parsed) && parsed.Scheme is "https" or "http"
            ? parsed
            : throw new PublishRejectedException($"“{job.Channel.Name}” has no valid webhook URL; set one on the Channels page.");
        var secret = secrets.Unprotect<WebhookSecret>(job.Channel.ProtectedSecret)?.Secret
            ?? throw new PublishRejectedException($"“{job.Channel.Name}” has no signing secret; set one on the Channels page.");
        var delivery = $"publication-{job.Publication.Id}";
        var payload = job.Metadata.Describe(job);
        payload["event"] = "video.published";
        payload["delivery"] = delivery;
        payload["file"] = new System.Text.Json.Nodes.JsonObject
        {
            ["url"] = job.MediaUrl(),
            ["contentType"] = "video/mp4",
            ["bytes"] = job.VideoBytes,
            ["sha256"] = job.VideoSha256,
        };
        var body = payload.ToJsonString();
        using var request = Outside.WebhookSignature.SignedPost(url, secret, delivery, time.GetUtcNow(), body);
        HttpResponseMessage response;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(options.Value.Webhook.TimeoutSeconds));
            response = await http.CreateClient(HttpClientName).SendAsync(request, cts.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw PublishTransientException.From(ex, $"The webhook at {url.Host} could not be reached ({(ex is TaskCanceledException ? "timed out" : ex.GetType().Name)}).");
        }
        using (response)
        {
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                job.Progress.Report(1);
                return new PublishResult(delivery, await ReceiverUrlAsync(response, ct) ?? url.GetLeftPart(UriPartial.Authority));
            }
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || code >= 500)
            {
                throw new PublishTransientException($"The webhook at {url.Host} answered {code}.", response.Headers.RetryAfter?.Delta);
            }
            throw new PublishRejectedException($"The webhook at {url.Host} refused the video ({code} {response.ReasonPhrase}).");
        }
    }

    /// <summary>A receiver may answer {"url": "…"} with where the video now lives.</summary>
    private static async Task<string?> ReceiverUrlAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            using var doc = JsonDocument.Parse(text.Length > 65536 ? "{}" : text);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("url", out var u)
                && u.ValueKind == JsonValueKind.String && Uri.TryCreate(u.GetString(), UriKind.Absolute, out var link) && link.Scheme is "https" or "http"
                ? link.ToString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
