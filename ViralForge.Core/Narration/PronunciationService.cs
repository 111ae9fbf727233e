using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;

namespace ViralForge.Core.Narration;

/// <summary>The admin-edited pronunciation dictionary: every change is recorded in the audit log with its before and after.</summary>
public sealed class PronunciationService(IDbContextFactory<ViralForgeDbContext> dbFactory, VoiceCatalog voices, TimeProvider time)
{
    public async Task<List<Pronunciation>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Pronunciations.AsNoTracking().OrderBy(p => p.Term).ToListAsync(ct);
    }

    public async Task<Pronunciation> SaveAsync(Pronunciation entry, Security.StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Security.Roles.Admin);
        if (PronunciationRewriter.Validate(entry) is { } problem)
        {
            throw new ArgumentException(problem);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var existing = entry.Id == 0 ? null : await db.Pronunciations.SingleOrDefaultAsync(p => p.Id == entry.Id, ct);
        var before = existing is null ? null : JsonSerializer.Serialize(existing);
        var row = existing ?? new Pronunciation { Term = entry.Term, SaysAs = entry.SaysAs };
        row.Term = entry.Term.Trim();
        row.SaysAs = entry.SaysAs.Trim();
        row.IsPhonemes = entry.IsPhonemes;
        row.Language = string.IsNullOrWhiteSpace(entry.Language) ? "en" : entry.Language.Trim().ToLowerInvariant();
        row.CaseSensitive = entry.CaseSensitive;
        row.WholeWord = entry.WholeWord;
        row.UpdatedAt = time.GetUtcNow();
        if (existing is null)
        {
            db.Pronunciations.Add(row);
        }
        db.AuditLog.Add(new AuditEntry
        {
            Actor = actor,
            Action = existing is null ? "pronunciation.add" : "pronunciation.change",
            Subject = row.Term,
            DetailsJson = JsonSerializer.Serialize(new { before, after = JsonSerializer.Serialize(row) }),
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new ArgumentException($"There is already an entry for '{row.Term}' in {row.Language}.");
        }
        return row;
    }

    public async Task DeleteAsync(int id, Security.StudioActor by, CancellationToken ct)
    {
        var actor = by.Require(Security.Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Pronunciations.SingleOrDefaultAsync(p => p.Id == id, ct);
        if (row is null)
        {
            return;
        }
        db.Pronunciations.Remove(row);
        db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "pronunciation.delete", Subject = row.Term, DetailsJson = JsonSerializer.Serialize(new { before = JsonSerializer.Serialize(row) }) });
        await db.SaveChangesAsync(ct);
    }

    public async Task<List<AuditEntry>> HistoryAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.AuditLog.AsNoTracking().Where(a => a.Action.StartsWith("pronunciation.")).OrderByDescending(a => a.At).Take(50).ToListAsync(ct);
    }

    /// <summary>
    /// A test sentence spoken by any studio voice (espeak-ng or Piper) without and with the entry, as WAV
    /// files, plus the text the voice was given. An unknown voice is an <see cref="ArgumentException"/>.
    /// </summary>
    public async Task<(byte[] Without, byte[] With, string SpokenText)> ListenAsync(Pronunciation entry, string sentence, string voice, string workFolder, CancellationToken ct)
    {
        var engine = voices.EngineFor(voice);
        var language = await engine.LanguageOfAsync(voice, ct);
        var style = new SpeechStyle(voice, 165, 50, false, 0);
        var plain = await engine.SpeakAsync(new RewrittenText(sentence, []), style, ct);
        var rewritten = PronunciationRewriter.Apply(sentence, language, [entry]);
        var changed = await engine.SpeakAsync(rewritten, style, ct);
        var a = Path.Combine(workFolder, $"{Guid.NewGuid():N}-a.wav");
        var b = Path.Combine(workFolder, $"{Guid.NewGuid():N}-b.wav");
        try
        {
            await EspeakLibrary.WriteWavAsync(a, plain, ct);
            await EspeakLibrary.WriteWavAsync(b, changed, ct);
            return (await File.ReadAllBytesAsync(a, ct), await File.ReadAllBytesAsync(b, ct), rewritten.Spoken);
        }
        finally
        {
            File.Delete(a);
            File.Delete(b);
        }
    }
}
