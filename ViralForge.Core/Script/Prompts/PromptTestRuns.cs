using System.Text.Json;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script.Models;
using ViralForge.Core.Security;

namespace ViralForge.Core.Script.Prompts;

/// <summary>What an admin's test run produced: the script or the reasons, and every attempt.</summary>
public sealed record PromptTestResult(ScriptDocument? Script, string? Model, IReadOnlyList<ScriptAttempt> Attempts, IReadOnlyList<string> Problems);

/// <summary>Test runs of a prompt version: recorded in PostgreSQL, run as Hangfire jobs on the LLM queue.</summary>
public sealed class PromptTestRuns(IDbContextFactory<ViralForgeDbContext> dbFactory, IBackgroundJobClient jobs, TimeProvider time)
{
    public async Task<PromptTestRun> StartAsync(int versionId, ScriptRequest request, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        var errors = request.Validate();
        if (errors.Count > 0)
        {
            throw new PromptException(string.Join(" ", errors));
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.PromptVersions.AnyAsync(v => v.Id == versionId, ct))
        {
            throw new PromptException($"Prompt version {versionId} does not exist.");
        }
        var run = new PromptTestRun
        {
            VersionId = versionId,
            RequestJson = JsonSerializer.Serialize(request, ScriptDocument.Json),
            Status = PromptTestStatus.Queued,
            RequestedBy = actor,
            CreatedAt = time.GetUtcNow(),
        };
        db.PromptTestRuns.Add(run);
        await db.SaveChangesAsync(ct);
        var id = run.Id;
        jobs.Create(Job.FromExpression<PromptTestJob>(j => j.RunAsync(id, CancellationToken.None)), new EnqueuedState(StageGraph.Get(StageKind.Script).Queue));
        return run;
    }

    public async Task<PromptTestRun?> GetAsync(long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.PromptTestRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
    }

    public static PromptTestResult? Result(PromptTestRun run) =>
        run.ResultJson is null ? null : JsonSerializer.Deserialize<PromptTestResult>(run.ResultJson, ScriptDocument.Json);
}

/// <summary>The Hangfire entry point for a test run: its ID and nothing else.</summary>
public sealed class PromptTestJob(IDbContextFactory<ViralForgeDbContext> dbFactory, ScriptWriter writer, TimeProvider time)
{
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Prompt test run {0}")]
    public async Task RunAsync(long testRunId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var claimed = await db.PromptTestRuns.Where(r => r.Id == testRunId && r.Status == PromptTestStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, PromptTestStatus.Running), cancellationToken);
        if (claimed == 0)
        {
            return;
        }
        var run = await db.PromptTestRuns.SingleAsync(r => r.Id == testRunId, cancellationToken);
        var request = JsonSerializer.Deserialize<ScriptRequest>(run.RequestJson, ScriptDocument.Json)!;
        PromptTestResult result;
        try
        {
            var draft = await writer.WriteAsync(request, run.VersionId, null, cancellationToken);
            result = new PromptTestResult(draft.Script, draft.Provenance.Model, draft.Provenance.Attempts, []);
            run.Status = PromptTestStatus.Succeeded;
        }
        catch (ScriptRejectedException ex)
        {
            result = new PromptTestResult(null, null, ex.Attempts, [ex.Message]);
            run.Status = PromptTestStatus.Failed;
        }
        catch (Exception ex) when (ex is ScriptModelConfigurationException or ScriptModelUnavailableException or PromptException)
        {
            result = new PromptTestResult(null, null, [], [ex.Message]);
            run.Status = PromptTestStatus.Failed;
        }
        run.ResultJson = JsonSerializer.Serialize(result, ScriptDocument.Json);
        run.Error = result.Problems.Count > 0 ? result.Problems[0] : null;
        run.FinishedAt = time.GetUtcNow();
        await db.SaveChangesAsync(CancellationToken.None);
    }
}
