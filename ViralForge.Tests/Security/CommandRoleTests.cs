using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ViralForge.Core.Data;
using ViralForge.Core.Extensions;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Security;
using ViralForge.Core.Uploads;
using ViralForge.Gpu.Worker;
using ViralForge.Tests.Infrastructure;
using ViralForge.Web.Extensions;

namespace ViralForge.Tests.Security;

/// <summary>
/// The commands check the acting user's role themselves, before they touch anything: a page or
/// endpoint that forgot its policy (or a new caller: MCP, the sheet desk) still cannot let a creator
/// approve or a reviewer rewrite a stage.
/// </summary>
public sealed class CommandRoleTests
{
    [Fact]
    public async Task Each_command_refuses_an_actor_without_its_role_and_changes_nothing()
    {
        var factory = await TestEnvironment.CreateMigratedDatabaseAsync("roles");
        string cs;
        await using (var db = await factory.CreateDbContextAsync())
        {
            cs = db.Database.GetConnectionString()!;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Workers:Enabled"] = "false" }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddViralForgeCore(configuration, cs);
        // The GPU services bind their options from the host's configuration, as in the studio.
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration);
        services.AddViralForgeGpu();
        services.AddViralForgeHangfire(configuration, cs);
        Microsoft.Extensions.DependencyInjection.DataProtectionServiceCollectionExtensions.AddDataProtection(services);
        await using var provider = services.BuildServiceProvider();
        var commands = provider.GetRequiredService<PipelineCommands>();
        var uploads = provider.GetRequiredService<SceneUploadService>();
        var publishing = provider.GetRequiredService<ViralForge.Core.Publishing.PublishingCommands>();
        var prompts = provider.GetRequiredService<ViralForge.Core.Script.Prompts.PromptLibrary>();
        var pronunciations = provider.GetRequiredService<ViralForge.Core.Narration.PronunciationService>();
        var sources = provider.GetRequiredService<ViralForge.Core.Trends.TrendSourceCommands>();
        var disk = provider.GetRequiredService<ViralForge.Core.Storage.DiskGuard>();
        var collector = provider.GetRequiredService<ViralForge.Core.Storage.ArtifactCollector>();
        var quota = provider.GetRequiredService<UploadQuota>();
        var webhooks = provider.GetRequiredService<ViralForge.Core.Notifications.Webhooks.NotificationWebhooks>();
        var promptTests = provider.GetRequiredService<ViralForge.Core.Script.Prompts.PromptTestRuns>();
        var music = provider.GetRequiredService<ViralForge.Core.Composition.MusicLibrary>();
        var references = provider.GetRequiredService<ViralForge.Core.Publishing.Duplicates.ReferenceLibrary>();
        var source = new ViralForge.Core.Trends.TrendSourceInput("News", ViralForge.Core.Trends.TrendSourceKind.HackerNews, "top", new(), null, 30, 60, 30, true, "");

        var creator = new StudioActor("cora@viralforge.test", new HashSet<string> { Roles.Creator });
        var reviewer = new StudioActor("rex@viralforge.test", new HashSet<string> { Roles.Reviewer });
        var nobody = new StudioActor("anonymous", new HashSet<string>());
        var video = await commands.CreateVideoAsync("brief", TestScripts.Brief(), null, creator, CancellationToken.None);

        var attempts = new (string What, StudioActor Who, Func<StudioActor, Task> Command)[]
        {
            ("approve", creator, a => commands.ApproveAsync(video.Id, a, null, CancellationToken.None)),
            ("reject", creator, a => commands.RejectAsync(video.Id, a, "no", CancellationToken.None)),
            ("choose", creator, a => commands.ChooseCandidateAsync(video.Id, StageKind.Clips, 0, Guid.NewGuid(), a, CancellationToken.None)),
            ("archive", creator, a => commands.ArchiveAsync(video.Id, true, a, CancellationToken.None)),
            ("archive", reviewer, a => commands.ArchiveAsync(video.Id, true, a, CancellationToken.None)),
            ("delete", reviewer, a => commands.DeleteAsync(video.Id, a, CancellationToken.None)),
            ("retry", reviewer, a => commands.RetryAsync(video.Id, StageKind.Clips, 0, new JsonObject { ["motion"] = "pan-left" }, a, CancellationToken.None)),
            ("edit script", reviewer, a => commands.SaveDraftAsync(video.Id, null, true, a, CancellationToken.None)),
            ("create", reviewer, a => commands.CreateVideoAsync("brief", TestScripts.Brief(), null, a, CancellationToken.None)),
            ("upload", reviewer, a => uploads.UploadAsync(video.Id, 0, new MemoryStream([1, 2, 3]), "x.png", null, 0, a, CancellationToken.None)),
            ("add publications", creator, a => publishing.AddAsync(video.Id, new ViralForge.Core.Publishing.PublishPlan(null), a, CancellationToken.None)),
            ("retry a publication", creator, a => publishing.RetryAsync(1, a, CancellationToken.None)),
            ("save a channel", reviewer, a => publishing.SaveChannelAsync(null, null!, a, CancellationToken.None)),
            ("activate a prompt version", creator, a => prompts.ActivateAsync(1, a, CancellationToken.None)),
            ("delete a pronunciation", reviewer, a => pronunciations.DeleteAsync(1, a, CancellationToken.None)),
            ("add a trend source", creator, a => sources.SaveAsync(null, source, a, CancellationToken.None)),
            ("fetch a trend source", reviewer, a => sources.FetchNowAsync(1, a, CancellationToken.None)),
            ("delete a trend source", creator, a => sources.DeleteAsync(1, a, CancellationToken.None)),
            ("set the disk floor", reviewer, a => disk.SetFloorMegabytesAsync(1, a, CancellationToken.None)),
            ("set the retention", creator, a => collector.SetRetentionDaysAsync(1, a, CancellationToken.None)),
            ("collect", reviewer, a => collector.CollectAsync(a, CancellationToken.None)),
            ("set the upload quota", creator, a => quota.SetQuotaMegabytesAsync(1, a, CancellationToken.None)),
            ("add a webhook", reviewer, a => webhooks.AddAsync("hook", "https://example.test/", null, a, CancellationToken.None)),
            ("rotate a webhook secret", creator, a => webhooks.RotateSecretAsync(1, a, CancellationToken.None)),
            ("test a prompt version", creator, a => promptTests.StartAsync(1, new ViralForge.Core.Script.ScriptRequest("topic", "calm", 30, "en"), a, CancellationToken.None)),
            ("add music", reviewer, a => music.AddAsync(new MemoryStream([1, 2, 3]), "x.mp3", a, CancellationToken.None)),
            ("delete music", creator, a => { music.Delete("x.mp3", a); return Task.CompletedTask; }),
            ("add reference content", reviewer, a => references.AddAsync("x.mp4", new MemoryStream([1, 2, 3]), a, CancellationToken.None)),
            ("forget reference content", creator, a => references.DeleteAsync(1, a, CancellationToken.None)),
            ("create", nobody, a => commands.CreateVideoAsync("brief", TestScripts.Brief(), null, a, CancellationToken.None)),
            ("approve", nobody, a => commands.ApproveAsync(video.Id, a, null, CancellationToken.None)),
        };
        foreach (var (what, who, command) in attempts)
        {
            var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => command(who));
            Assert.Contains(who.Name, refused.Message);
        }

        await using (var db = await factory.CreateDbContextAsync())
        {
            var audit = await db.AuditLog.AsNoTracking().Select(a => a.Action).ToListAsync();
            Assert.Equal(["video.create"], audit);
            Assert.Single(await db.Videos.AsNoTracking().ToListAsync());
            Assert.Empty(await db.ReviewDecisions.AsNoTracking().ToListAsync());
            Assert.Null((await db.Videos.AsNoTracking().SingleAsync()).ArchivedAt);
            Assert.Empty(await db.Artifacts.AsNoTracking().ToListAsync());
            Assert.Empty(await db.TrendSources.AsNoTracking().ToListAsync());
            Assert.Empty(await db.Set<ViralForge.Core.Notifications.Webhooks.NotificationWebhook>().AsNoTracking().ToListAsync());
            Assert.Empty(await db.PromptTestRuns.AsNoTracking().ToListAsync());
            Assert.Empty(await db.Set<ViralForge.Core.Storage.StudioSetting>().AsNoTracking().ToListAsync());
        }

        // The same commands go through for the role (an admin holds every role).
        var admin = new StudioActor("ada@viralforge.test", new HashSet<string> { Roles.Admin });
        await commands.ArchiveAsync(video.Id, true, admin, CancellationToken.None);
        await using (var db = await factory.CreateDbContextAsync())
        {
            Assert.NotNull((await db.Videos.AsNoTracking().SingleAsync()).ArchivedAt);
        }
    }
}
