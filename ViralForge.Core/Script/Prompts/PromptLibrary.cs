using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;

namespace ViralForge.Core.Script.Prompts;

public sealed class PromptException(string message) : Exception(message);

/// <summary>Prompt templates and their versions: every save is a new version; one version per template is active.</summary>
public sealed class PromptLibrary(IDbContextFactory<ViralForgeDbContext> dbFactory)
{
    public async Task<List<PromptTemplate>> TemplatesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.PromptTemplates.AsNoTracking().Include(t => t.Versions.OrderByDescending(v => v.Number)).OrderBy(t => t.Name).ToListAsync(ct);
    }

    /// <summary>The version a request would be written with: the named template's active one.</summary>
    public async Task<(PromptTemplate Template, PromptVersion Version)> ActiveAsync(string templateName, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var template = await db.PromptTemplates.AsNoTracking().SingleOrDefaultAsync(t => t.Name == templateName, ct)
            ?? throw new PromptException($"There is no prompt template named '{templateName}'; an admin can create it on the Prompts page.");
        var version = await db.PromptVersions.AsNoTracking().SingleOrDefaultAsync(v => v.Id == template.ActiveVersionId, ct)
            ?? throw new PromptException($"Prompt template '{templateName}' has no active version; an admin can activate one on the Prompts page.");
        return (template, version);
    }

    public async Task<(PromptTemplate Template, PromptVersion Version)> VersionAsync(int versionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var version = await db.PromptVersions.AsNoTracking().SingleOrDefaultAsync(v => v.Id == versionId, ct)
            ?? throw new PromptException($"Prompt version {versionId} does not exist.");
        var template = await db.PromptTemplates.AsNoTracking().SingleAsync(t => t.Id == version.TemplateId, ct);
        return (template, version);
    }

    /// <summary>Saves the edit as the template's next version (creating the template if new); activates it when asked.</summary>
    public async Task<PromptVersion> SaveAsync(string templateName, string purpose, PromptVersion draft, bool activate, Security.StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Security.Roles.Admin);
        templateName = templateName.Trim();
        if (templateName.Length is 0 or > 100 || templateName.Any(c => !(char.IsLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new PromptException("A template name is 1–100 letters, digits, '-' or '_'.");
        }
        var errors = ScriptPrompt.Validate(draft);
        if (errors.Count > 0)
        {
            throw new PromptException(string.Join(" ", errors));
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var template = await db.PromptTemplates.FromSql($"SELECT * FROM prompt_templates WHERE name = {templateName} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (template is null)
        {
            template = new PromptTemplate { Name = templateName, Purpose = purpose.Trim() };
            db.PromptTemplates.Add(template);
            await db.SaveChangesAsync(ct);
        }
        else if (!string.IsNullOrWhiteSpace(purpose))
        {
            template.Purpose = purpose.Trim();
        }
        var number = await db.PromptVersions.Where(v => v.TemplateId == template.Id).MaxAsync(v => (int?)v.Number, ct) ?? 0;
        var version = new PromptVersion
        {
            TemplateId = template.Id,
            Number = number + 1,
            Persona = draft.Persona.Trim(),
            Body = draft.Body.Trim(),
            Constraints = draft.Constraints.Trim(),
            ExamplesJson = string.IsNullOrWhiteSpace(draft.ExamplesJson) ? "[]" : JsonNode.Parse(draft.ExamplesJson)!.ToJsonString(),
            BannedPhrases = string.Join('\n', ScriptChecks.ParseBannedPhrases(draft.BannedPhrases)),
            Note = draft.Note.Trim(),
            CreatedBy = actor,
        };
        db.PromptVersions.Add(version);
        await db.SaveChangesAsync(ct);
        if (activate || template.ActiveVersionId is null)
        {
            template.ActiveVersionId = version.Id;
        }
        db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "prompt.save", Subject = templateName, DetailsJson = JsonSerializer.Serialize(new { version = version.Number, activate }) });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return version;
    }

    public async Task ActivateAsync(int versionId, Security.StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Security.Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var version = await db.PromptVersions.SingleOrDefaultAsync(v => v.Id == versionId, ct)
            ?? throw new PromptException($"Prompt version {versionId} does not exist.");
        var template = await db.PromptTemplates.SingleAsync(t => t.Id == version.TemplateId, ct);
        template.ActiveVersionId = version.Id;
        db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "prompt.activate", Subject = template.Name, DetailsJson = JsonSerializer.Serialize(new { version = version.Number }) });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Creates the default "script" template on first start; an admin's versions are never touched.</summary>
    public async Task EnsureDefaultsAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.PromptTemplates.AnyAsync(t => t.Name == ScriptRequest.DefaultTemplate, ct))
        {
            return;
        }
        await SaveAsync(ScriptRequest.DefaultTemplate, "Writes a short vertical video's script from a topic.", DefaultScriptPrompt.Version(), activate: true, Security.StudioActor.System("setup", Security.Roles.Admin), ct);
    }
}
