using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ViralForge.Core.Publishing;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Publishing;

/// <summary>
/// A webhook channel against a loopback receiver that checks the HMAC signature, fails once with 503
/// and Retry-After, then fetches the signed media link with a range request; a tampered link is refused.
/// </summary>
public sealed class WebhookPublishingTests
{
    [Fact]
    public async Task A_signed_webhook_is_retried_and_its_media_link_serves_ranges_and_refuses_tampering()
    {
        const string secret = "receiver-shared-secret-123";
        var (listener, port) = LoopbackListener.Start();
        var deliveries = new ConcurrentQueue<(string Body, string Signature, string Timestamp, string Delivery)>();
        var failFirst = 1;
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var context = await listener.GetContextAsync();
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                deliveries.Enqueue((body, context.Request.Headers["X-ViralForge-Signature"] ?? "", context.Request.Headers["X-ViralForge-Timestamp"] ?? "",
                    context.Request.Headers["X-ViralForge-Delivery"] ?? ""));
                if (Interlocked.Decrement(ref failFirst) >= 0)
                {
                    context.Response.AddHeader("Retry-After", "1");
                    await LoopbackListener.WriteJsonAsync(context.Response, 503, "{}");
                    continue;
                }
                await LoopbackListener.WriteJsonAsync(context.Response, 200, """{"url":"https://receiver.example/posts/42"}""");
            }
        });

        var cs = await TestEnvironment.CreateDatabaseAsync("webhook");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("webhook"), new()
        {
            ["Publishing__RetryBaseDelaySeconds"] = "0.3",
            ["Publishing__RetryMaxDelaySeconds"] = "1",
        });
        studio.Settings["Publishing__PublicBaseUrl"] = studio.BaseAddress.ToString().TrimEnd('/');
        await studio.StartAsync();
        var admin = await studio.IssueApiKeyAsync("admin");
        var reviewer = await studio.IssueApiKeyAsync("reviewer");
        var creator = await studio.IssueApiKeyAsync("creator");
        var desk = new PublishingStudio(studio, admin, reviewer);

        // A creator may not add channels; a short secret is refused with the reason.
        Assert.Equal(HttpStatusCode.Forbidden, (await studio.Client(creator).PostAsJsonAsync("api/channels", new { name = "x", platform = "Webhook" })).StatusCode);
        var weak = await studio.Client(admin).PostAsJsonAsync("api/channels", new { name = "Hook", platform = "Webhook", webhookUrl = $"http://127.0.0.1:{port}/hook", webhookSecret = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("at least 16", await weak.Content.ReadAsStringAsync());
        var hook = await desk.CreateChannelAsync(new { name = "Hook", platform = "Webhook", webhookUrl = $"http://127.0.0.1:{port}/hook", webhookSecret = secret });

        var videoId = await TestScripts.CreateVideoAsync(studio.Client(creator), TestScripts.Brief(scenes: 4));
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);
        var approve = await studio.Client(reviewer).PostAsJsonAsync($"api/videos/{videoId}/approve", new { channels = new[] { hook }, slot = "now" });
        Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());
        var live = await desk.WaitForAsync(videoId, hook, "Live");
        Assert.Equal("https://receiver.example/posts/42", live.Url);

        Assert.Equal(2, deliveries.Count);
        // The calls went through the shared limiter: it heard the receiver's 503 and its Retry-After.
        Assert.Contains("503 from the host, Retry-After 1 s", await desk.ScalarAsync($"SELECT last_event FROM rate_limit_buckets WHERE key = 'host:127.0.0.1:{port}'"));
        Assert.Single(deliveries.Select(d => d.Delivery).Distinct());
        var (body, signature, timestamp, _) = deliveries.Last();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        Assert.Equal(expected, signature);
        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.GetProperty("aiGenerated").GetBoolean());
        var file = json.RootElement.GetProperty("file");
        var link = file.GetProperty("url").GetString()!;
        Assert.DoesNotContain(secret, studio.Log);

        // The receiver fetches without signing in, with a range; a changed token is refused.
        using var anonymous = new HttpClient();
        using var ranged = new HttpRequestMessage(HttpMethod.Get, link);
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 1023);
        var part = await anonymous.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(1024, (await part.Content.ReadAsByteArrayAsync()).Length);
        var whole = await anonymous.GetByteArrayAsync(link);
        Assert.Equal(file.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(whole)));
        var token = link[(link.LastIndexOf('/') + 1)..];
        var tampered = link[..(link.Length - token.Length)] + (token[0] == 'A' ? 'B' : 'A') + token[1..];
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(tampered)).StatusCode);

        await stop.CancelAsync();
        listener.Stop();
        listener.Close();
        await Task.WhenAny(loop, Task.Delay(1000));
    }

    [Fact]
    public void A_media_link_expires_and_a_changed_byte_is_refused()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var provider = Microsoft.AspNetCore.DataProtection.DataProtectionProvider.Create("tests");
        var links = new MediaLinks(provider, Microsoft.Extensions.Options.Options.Create(new PublishingOptions { PublicBaseUrl = "https://studio.example", MediaLinkMinutes = 10 }), clock);
        var id = Guid.NewGuid();
        var token = links.For(id)[(("https://studio.example/" + MediaLinks.RoutePrefix).Length)..];
        Assert.Equal(id, links.Read(token).ArtifactId);
        Assert.Equal((null, "This link is not valid."), links.Read(token[..^2] + (token[^2] == 'x' ? "y" : "x") + token[^1]));
        clock.Now = clock.Now.AddMinutes(11);
        Assert.Equal((null, "This link has expired."), links.Read(token));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
