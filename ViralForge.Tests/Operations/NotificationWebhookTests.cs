using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Operations;

[Trait("Category", "Process")]
public sealed class NotificationWebhookTests
{
    [Fact]
    public async Task Admins_webhooks_get_signed_events_retried_after_a_failure_logged_and_sent_again_on_request()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("hooks");
        await using var receiver = new Receiver();
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("hooks"), new()
        {
            ["Notifications__Webhooks__RetryBaseSeconds"] = "1",
            ["Notifications__Webhooks__RetryMaxSeconds"] = "2",
            ["Notifications__Webhooks__MaxAttempts"] = "3",
        });
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));

        // Refused with the reason: a URL that is not http(s), no kinds.
        var badUrl = await admin.PostAsJsonAsync("api/webhooks", new { name = "bad", url = "file:///etc/passwd", kinds = new[] { "NeedsReview" } });
        Assert.Equal(HttpStatusCode.BadRequest, badUrl.StatusCode);
        Assert.Contains("http", await badUrl.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("api/webhooks", new { name = "none", url = receiver.BaseUrl, kinds = Array.Empty<string>() })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.GetAsync("api/webhooks")).StatusCode);

        var (opsId, opsSecret) = await AddAsync(admin, "ops", receiver.BaseUrl + "ops", "NeedsReview", "Published");
        var (strictId, strictSecret) = await AddAsync(admin, "strict", receiver.BaseUrl + "strict", "NeedsReview");
        var (_, _) = await AddAsync(admin, "other kinds", receiver.BaseUrl + "other", "DiskLow");
        Assert.StartsWith("whsec_", opsSecret);
        Assert.NotEqual(opsSecret, strictSecret);
        // The first try at "ops" meets a failing receiver (503, Retry-After); "strict" refuses for good.
        receiver.Answers["/ops"] = new Queue<int>([503]);
        receiver.Answers["/strict"] = new Queue<int>([400, 400, 400]);

        var videoId = await TestScripts.CreateVideoAsync(creator, TestScripts.Brief(title: "Hook me"));
        var log = () => "Not delivered.\n" + Describe(receiver) + studio.Log;
        await Eventually.WaitAsync(() => Task.FromResult(receiver.At("/ops").Count >= 2), TimeSpan.FromSeconds(150), log);

        // Both tries carry the same delivery id, each signed over its own timestamp with the webhook's secret.
        var ops = receiver.At("/ops");
        Assert.Equal(2, ops.Count);
        Assert.Single(ops.Select(r => r.Delivery).Distinct());
        Assert.All(ops, r => AssertSigned(r, opsSecret));
        using (var body = JsonDocument.Parse(ops[1].Body))
        {
            Assert.Equal("notification.needs-review", body.RootElement.GetProperty("event").GetString());
            Assert.Equal(ops[1].Delivery, body.RootElement.GetProperty("id").GetString());
            Assert.Equal($"/videos/{videoId}", body.RootElement.GetProperty("link").GetString());
            Assert.Contains("Hook me", body.RootElement.GetProperty("text").GetString());
        }
        Assert.Equal("notification.needs-review", ops[1].Event);
        Assert.Empty(receiver.At("/other"));

        // The log: delivered on the second try; the refusal is not tried again and shows the answer.
        await Eventually.WaitAsync(async () => (await DeliveriesAsync(admin)).Any(d => d.Webhook == strictId && d.Status == "Failed"), TimeSpan.FromSeconds(30), log);
        var deliveries = await DeliveriesAsync(admin);
        var delivered = Assert.Single(deliveries, d => d.Webhook == opsId);
        Assert.Equal(("Delivered", 2, 200), (delivered.Status, delivered.Attempts, delivered.LastStatus));
        var failed = Assert.Single(deliveries, d => d.Webhook == strictId);
        Assert.Equal(400, failed.LastStatus);
        Assert.All(receiver.At("/strict"), r => AssertSigned(r, strictSecret));

        // Fixed at the receiver, sent again on request: the same event, now delivered.
        receiver.Answers["/strict"] = new Queue<int>();
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"api/webhooks/deliveries/{failed.Id}/redeliver", null)).StatusCode);
        await Eventually.WaitAsync(async () => (await DeliveriesAsync(admin)).Single(d => d.Id == failed.Id).Status == "Delivered", TimeSpan.FromSeconds(30), log);
        Assert.Single(receiver.At("/strict").Select(r => r.Delivery).Distinct());

        // A new secret applies at once: the test event is signed with it, not the old one.
        var rotated = await (await admin.PostAsync($"api/webhooks/{opsId}/secret", null)).Content.ReadFromJsonAsync<JsonElement>();
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"api/webhooks/{opsId}/test", null)).StatusCode);
        await Eventually.WaitAsync(() => Task.FromResult(receiver.At("/ops").Any(r => r.Event == "notification.webhook-test")), TimeSpan.FromSeconds(30), log);
        var test = receiver.At("/ops").Single(r => r.Event == "notification.webhook-test");
        AssertSigned(test, newSecret);
        Assert.NotEqual(Sign(opsSecret, test.Timestamp, test.Body), test.Signature);

        // A disabled webhook gets nothing; secrets reach neither the log nor the audit.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync($"api/webhooks/{opsId}", new { enabled = false })).StatusCode);
        var list = await admin.GetFromJsonAsync<JsonElement>("api/webhooks");
        Assert.False(list.GetProperty("webhooks").EnumerateArray().Single(w => w.GetProperty("id").GetInt32() == opsId).GetProperty("enabled").GetBoolean());
        foreach (var secret in new[] { opsSecret, strictSecret, newSecret })
        {
            Assert.DoesNotContain(secret, studio.Log);
            Assert.DoesNotContain(secret, list.ToString());
        }
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var audit = new NpgsqlCommand("SELECT string_agg(action || ' ' || coalesce(details_json::text, ''), ' | ') FROM audit_log WHERE action LIKE 'webhook.%'", conn);
        var trail = (string)(await audit.ExecuteScalarAsync())!;
        Assert.Contains("webhook.add", trail);
        Assert.Contains("webhook.redeliver", trail);
        Assert.Contains("webhook.rotate-secret", trail);
        Assert.DoesNotContain("whsec_", trail);
    }

    private static async Task<(int Id, string Secret)> AddAsync(HttpClient admin, string name, string url, params string[] kinds)
    {
        var response = await admin.PostAsJsonAsync("api/webhooks", new { name, url, kinds });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("webhook").GetProperty("id").GetInt32(), body.GetProperty("secret").GetString()!);
    }

    private sealed record Delivery(long Id, int Webhook, string Status, int Attempts, int? LastStatus);

    private static async Task<List<Delivery>> DeliveriesAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync<JsonElement>("api/webhooks/deliveries")).EnumerateArray().Select(d => new Delivery(
            d.GetProperty("id").GetInt64(), d.GetProperty("webhookId").GetInt32(), d.GetProperty("status").GetString()!, d.GetProperty("attempts").GetInt32(),
            d.GetProperty("lastStatusCode").ValueKind == JsonValueKind.Number ? d.GetProperty("lastStatusCode").GetInt32() : null)).ToList();

    private static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    /// <summary>What a receiver checks: the signature over timestamp and body, and a timestamp close to now.</summary>
    private static void AssertSigned(Received r, string secret)
    {
        Assert.Equal(Sign(secret, r.Timestamp, r.Body), r.Signature);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(r.Timestamp, System.Globalization.CultureInfo.InvariantCulture), -5, 300);
    }

    private static string Describe(Receiver receiver) =>
        string.Join("\n", receiver.All.Select(r => $"{r.Path} {r.Event} {r.Delivery} → {r.Answer}")) + "\n";

    private sealed record Received(string Path, string? Event, string? Delivery, string Timestamp, string? Signature, string Body, int Answer);

    /// <summary>A receiver of webhooks on loopback: answers each path from its queue of status codes (then 200), keeping every request.</summary>
    private sealed class Receiver : LoopbackServer
    {
        public ConcurrentDictionary<string, Queue<int>> Answers { get; } = new();

        public ConcurrentQueue<Received> All { get; } = new();

        public List<Received> At(string path) => All.Where(r => r.Path == path).ToList();

        protected override async Task HandleAsync(HttpListenerContext context)
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Url!.AbsolutePath;
            var status = 200;
            if (Answers.TryGetValue(path, out var queue))
            {
                lock (queue)
                {
                    status = queue.Count > 0 ? queue.Dequeue() : 200;
                }
            }
            var headers = context.Request.Headers;
            All.Enqueue(new Received(path, headers["X-ViralForge-Event"], headers["X-ViralForge-Delivery"], headers["X-ViralForge-Timestamp"] ?? "",
                headers["X-ViralForge-Signature"], body, status));
            if (status == 503)
            {
                context.Response.AddHeader("Retry-After", "1");
            }
            await LoopbackListener.WriteJsonAsync(context.Response, status, status < 300 ? "{\"ok\": true}" : "{\"error\": \"not now\"}");
        }
    }
}
