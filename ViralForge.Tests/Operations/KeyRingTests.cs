using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Operations;

/// <summary>
/// The Data Protection key ring lives in PostgreSQL: a worker on another machine (here: another data
/// folder) opens secrets the studio sealed, and keys an earlier release kept in a folder are imported.
/// </summary>
[Trait("Category", "Process")]
public sealed class KeyRingTests
{
    [Fact]
    public async Task A_worker_elsewhere_opens_secrets_the_studio_sealed_including_ones_sealed_with_keys_from_the_old_keys_folder()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("keyring");
        var folder = TestEnvironment.NewFolder("keyring-studio");
        // What an earlier release left: a key ring in the folder beside the artifacts, and a secret sealed with it.
        var legacy = DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(folder, "keys")), b => b.SetApplicationName("ViralForge"))
            .CreateProtector("ViralForge.Notifications.WebhookSecret.v1").Protect("whsec_from_before");
        await using var receiver = new Receiver();

        await using var studio = new StudioProcess(cs, folder, new() { ["Workers__Enabled"] = "false" });
        await studio.StartAsync();
        await using var worker = new StudioProcess(cs, TestEnvironment.NewFolder("keyring-worker"), new() { ["Node__Role"] = "worker", ["Node__Queues"] = "outside,default" });
        await worker.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));

        var made = await (await admin.PostAsJsonAsync("api/webhooks", new { name = "new", url = receiver.BaseUrl + "new", kinds = new[] { "DiskLow" } })).Content.ReadFromJsonAsync<JsonElement>();
        var newId = made.GetProperty("webhook").GetProperty("id").GetInt32();
        var newSecret = made.GetProperty("secret").GetString()!;
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO notification_webhooks (name, url, kinds, protected_secret, enabled, created_at) VALUES ('old', @url, '{DiskLow}', @secret, true, now()) RETURNING id
                """, conn);
            cmd.Parameters.AddWithValue("url", receiver.BaseUrl + "old");
            cmd.Parameters.AddWithValue("secret", legacy);
            var oldId = (int)(await cmd.ExecuteScalarAsync())!;
            Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"api/webhooks/{oldId}/test", null)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"api/webhooks/{newId}/test", null)).StatusCode);

        // Only the worker serves the outside queue, and it has no keys folder of its own.
        await Eventually.WaitAsync(() => Task.FromResult(receiver.All.Count >= 2), TimeSpan.FromSeconds(60),
            () => "The worker did not deliver both.\n" + worker.Log);
        foreach (var (path, secret) in new[] { ("/old", "whsec_from_before"), ("/new", newSecret) })
        {
            var r = receiver.All.Single(x => x.Path == path);
            Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{r.Timestamp}.{r.Body}"))), r.Signature);
        }
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(worker.ArtifactsPath)!, "keys")), "The worker kept keys in a folder of its own.");
    }

    private sealed record Received(string Path, string Timestamp, string? Signature, string Body);

    private sealed class Receiver : LoopbackServer
    {
        public ConcurrentQueue<Received> All { get; } = new();

        protected override async Task HandleAsync(HttpListenerContext context)
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            All.Enqueue(new Received(context.Request.Url!.AbsolutePath, context.Request.Headers["X-ViralForge-Timestamp"] ?? "", context.Request.Headers["X-ViralForge-Signature"], body));
            await LoopbackListener.WriteJsonAsync(context.Response, 200, "{}");
        }
    }
}
