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
        services.AddViralForgeGpu();
        services.AddViralForgeHangfire(configuration, cs);
        Microsoft.Extensions.DependencyInjection.DataProtectionServiceCollectionExtensions.AddDataProtection(services);
        await using var provider = services.BuildServiceProvider();
        var commands = provider.GetRequiredService<PipelineCommands>();
        var uploads = provider.GetRequiredService<SceneUploadService>();
        var publishing = provider.GetRequiredService<ViralForge.Core.Publishing.PublishingCommands>();
        var prompts = provider.GetRequiredService<ViralForge.Core.Script.Prompts.PromptLibrary>();
        var pronunciations = provider.GetRequiredService<ViralForge.Core.Narration.PronunciationService>();

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
