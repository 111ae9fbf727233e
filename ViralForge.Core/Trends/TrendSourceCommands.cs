using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Trends.Sources;
using ViralForge.Core.Security;

namespace ViralForge.Core.Trends;

/// <summary>A person asked for something that cannot be done; the message says why, for them.</summary>
public sealed class TrendCommandException(string message) : Exception(message);

/// <summary>What an admin types for a source.</summary>
public sealed record TrendSourceInput(
    string Name, TrendSourceKind Kind, string Address, TrendSourceSettings Settings, string? Language,
    int EveryMinutes, int BudgetPerHour, int MaxItems, bool Enabled, string BlockedWords);

/// <summary>Adding, changing, removing and fetching sources (admins).</summary>
public sealed class TrendSourceCommands(IDbContextFactory<ViralForgeDbContext> dbFactory, IEnumerable<ITrendReader> readers, TimeProvider time)
{
    public IReadOnlyList<string> Validate(TrendSourceInput input)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > 100)
        {
            problems.Add("Give the source a name (up to 100 characters).");
        }
        if (readers.SingleOrDefault(r => r.Kind == input.Kind) is not { } reader)
        {
            problems.Add($"This studio cannot read {input.Kind} sources.");
        }
        else if (reader.Validate(input.Address ?? "", input.Settings) is { } wrong)
        {
            problems.Add(wrong);
        }
        if (input.EveryMinutes is < 5 or > 10080)
        {
            problems.Add("Fetch every 5 minutes to 7 days.");
        }
        if (input.BudgetPerHour is < 1 or > 10000)
        {
            problems.Add("The budget is 1–10,000 requests an hour.");
        }
        if (input.MaxItems is < 1 or > 100)
        {
            problems.Add("Keep 1–100 items a fetch.");
        }
        if ((input.BlockedWords ?? "").Length > 4000)
        {
            problems.Add("Blocked words: up to 4,000 characters.");
        }
        if (!string.IsNullOrWhiteSpace(input.Language) && (input.Language.Trim().Length > 16 || !input.Language.Trim().All(c => char.IsAsciiLetter(c) || c == '-')))
        {
            problems.Add("The language is a code like en, de or pt-BR.");
        }
        return problems;
    }

    public async Task<TrendSource> SaveAsync(long? id, TrendSourceInput input, StudioActor actor, CancellationToken ct)
    {
        actor.Require(Roles.Admin);
        var problems = Validate(input);
        if (problems.Count > 0)
        {
            throw new TrendCommandException(string.Join(" ", problems));
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var name = input.Name.Trim();
        if (await db.TrendSources.AnyAsync(s => s.Name == name && s.Id != (id ?? 0), ct))
        {
            throw new TrendCommandException($"There is already a source named “{name}”.");
        }
        var source = id is { } existing
            ? await db.TrendSources.SingleOrDefaultAsync(s => s.Id == existing, ct) ?? throw new TrendCommandException($"Source {existing} does not exist.")
            : db.TrendSources.Add(new TrendSource { Name = name, NextRunAt = time.GetUtcNow() }).Entity;
        var readAgain = source.Kind != input.Kind || source.Address != input.Address.Trim() || source.SettingsJson != input.Settings.ToJson();
        source.Name = name;
        source.Kind = input.Kind;
        source.Address = input.Address.Trim();
        source.SettingsJson = input.Settings.ToJson();
        source.Language = string.IsNullOrWhiteSpace(input.Language) ? null : input.Language.Trim();
        source.EveryMinutes = input.EveryMinutes;
        source.BudgetPerHour = input.BudgetPerHour;
        source.MaxItems = input.MaxItems;
        source.Enabled = input.Enabled;
        source.BlockedWords = input.BlockedWords?.Trim() ?? "";
        if (readAgain)
        {
            // A changed address is read at the next sweep, and its old health no longer applies.
            source.NextRunAt = time.GetUtcNow();
            source.Failures = 0;
            source.LastError = null;
            source.LastErrorAt = null;
        }
        await db.SaveChangesAsync(ct);
        return source;
    }

    public async Task DeleteAsync(long id, StudioActor actor, CancellationToken ct)
    {
        actor.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.TrendSources.Where(s => s.Id == id).ExecuteDeleteAsync(ct);
    }

    /// <summary>Due now; the next sweep (seconds away) fetches it, unless a fetch is already running.</summary>
    public async Task FetchNowAsync(long id, StudioActor actor, CancellationToken ct)
    {
        actor.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        await db.TrendSources.Where(s => s.Id == id && s.RunningSince == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.NextRunAt, now), ct);
    }
}
