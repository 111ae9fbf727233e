using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;

namespace ViralForge.Web.Security;

public sealed record IssuedApiKey(int Id, string Name, string Role, string Key);

public sealed class ApiKeyService(IDbContextFactory<ViralForgeDbContext> dbFactory, TimeProvider time)
{
    public async Task<IssuedApiKey> IssueAsync(string name, string role, StudioActor actingUser, CancellationToken ct)
    {
        var createdBy = actingUser.Require(Roles.Admin);
        if (!Roles.All.Contains(role))
        {
            throw new ArgumentException($"Unknown role '{role}'.", nameof(role));
        }
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new ArgumentException("Give the key a name of 1–100 characters.", nameof(name));
        }
        var key = ApiKeyAuthenticationHandler.NewKey();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = new ApiKey { Name = name.Trim(), Prefix = key[..8], KeyHash = ApiKeyAuthenticationHandler.Hash(key), Role = role, CreatedBy = createdBy };
        db.ApiKeys.Add(row);
        db.AuditLog.Add(new AuditEntry { Actor = createdBy, Action = "apikey.issue", Subject = row.Name });
        await db.SaveChangesAsync(ct);
        return new IssuedApiKey(row.Id, row.Name, role, key);
    }

    public async Task RevokeAsync(int id, StudioActor actingUser, CancellationToken ct)
    {
        var actor = actingUser.Require(Roles.Admin);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.ApiKeys.Where(k => k.Id == id && k.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, time.GetUtcNow()), ct);
        db.AuditLog.Add(new AuditEntry { Actor = actor, Action = "apikey.revoke", Subject = id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await db.SaveChangesAsync(ct);
    }

    public async Task<List<ApiKey>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ToListAsync(ct);
    }
}
