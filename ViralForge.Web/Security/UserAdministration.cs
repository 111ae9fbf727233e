using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;

namespace ViralForge.Web.Security;

public sealed class UserCommandException(string message) : Exception(message);

public sealed record UserRow(string Id, string Email, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt, DateTimeOffset? DisabledAt);

/// <summary>
/// The Users page's commands. Each checks that the acting user is an admin itself (not only the page),
/// refuses to lock the studio out of its last admin, and writes the audit log.
/// </summary>
public sealed class UserAdministration(UserManager<AppUser> users, IDbContextFactory<ViralForgeDbContext> dbFactory, TimeProvider time)
{
    public async Task<IReadOnlyList<UserRow>> ListAsync(CancellationToken ct)
    {
        var all = await users.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(ct);
        var rows = new List<UserRow>(all.Count);
        foreach (var u in all)
        {
            var roles = (await users.GetRolesAsync(u)).Order(StringComparer.Ordinal).ToList();
            rows.Add(new UserRow(u.Id, u.Email ?? u.UserName ?? u.Id, roles, u.CreatedAt, u.LastSignInAt, u.DisabledAt));
        }
        return rows;
    }

    public async Task AddAsync(StudioActor actor, string email, string password, IReadOnlyCollection<string> roles, CancellationToken ct)
    {
        actor.Require(Roles.Admin);
        CheckRoles(roles);
        var user = new AppUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true };
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRolesAsync(user, roles));
        await AuditAsync(actor, "user.add", user.Email!, new { roles }, ct);
    }

    public async Task SetRolesAsync(StudioActor actor, string userId, IReadOnlyCollection<string> roles, CancellationToken ct)
    {
        actor.Require(Roles.Admin);
        CheckRoles(roles);
        var user = await FindAsync(userId);
        var current = await users.GetRolesAsync(user);
        if (current.Contains(Roles.Admin) && !roles.Contains(Roles.Admin))
        {
            await RequireAnotherAdminAsync(user, "take the admin role from");
        }
        Check(await users.RemoveFromRolesAsync(user, current.Except(roles)));
        Check(await users.AddToRolesAsync(user, roles.Except(current)));
        // No new stamp: each request rebuilds the session's principal, so the roles apply on the next one.
        await AuditAsync(actor, "user.roles", user.Email!, new { from = current, to = roles }, ct);
    }

    public async Task DisableAsync(StudioActor actor, string userId, CancellationToken ct)
    {
        actor.Require(Roles.Admin);
        var user = await FindAsync(userId);
        if (user.DisabledAt is not null)
        {
            return;
        }
        if (string.Equals(user.UserName, actor.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new UserCommandException("You cannot disable your own account.");
        }
        if (await users.IsInRoleAsync(user, Roles.Admin))
        {
            await RequireAnotherAdminAsync(user, "disable");
        }
        user.DisabledAt = time.GetUtcNow();
        Check(await users.UpdateAsync(user));
        Check(await users.UpdateSecurityStampAsync(user));
        await AuditAsync(actor, "user.disable", user.Email!, null, ct);
    }

    public async Task EnableAsync(StudioActor actor, string userId, CancellationToken ct)
    {
        actor.Require(Roles.Admin);
        var user = await FindAsync(userId);
        user.DisabledAt = null;
        Check(await users.UpdateAsync(user));
        await AuditAsync(actor, "user.enable", user.Email!, null, ct);
    }

    /// <summary>Sets a generated password (shown once to the admin) and ends the user's sessions.</summary>
    public async Task<string> ResetPasswordAsync(StudioActor actor, string userId, CancellationToken ct)
    {
        actor.Require(Roles.Admin);
        var user = await FindAsync(userId);
        var password = GeneratePassword();
        var token = await users.GeneratePasswordResetTokenAsync(user);
        Check(await users.ResetPasswordAsync(user, token, password));
        await users.SetLockoutEndDateAsync(user, null);
        await AuditAsync(actor, "user.reset-password", user.Email!, null, ct);
        return password;
    }

    public static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var chars = Enumerable.Range(0, 20).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]);
        return "Vf-" + new string(chars.ToArray()) + "-9";
    }

    private async Task<AppUser> FindAsync(string userId) =>
        await users.FindByIdAsync(userId) ?? throw new UserCommandException("That user no longer exists.");

    private async Task RequireAnotherAdminAsync(AppUser user, string verb)
    {
        var admins = await users.GetUsersInRoleAsync(Roles.Admin);
        if (!admins.Any(a => a.Id != user.Id && a.DisabledAt is null))
        {
            throw new UserCommandException($"Cannot {verb} the last active admin: make another user an admin first.");
        }
    }

    private static void CheckRoles(IReadOnlyCollection<string> roles)
    {
        if (roles.Count == 0)
        {
            throw new UserCommandException("Give the user at least one role.");
        }
        if (roles.FirstOrDefault(r => !Roles.All.Contains(r)) is { } unknown)
        {
            throw new UserCommandException($"Unknown role '{unknown}'; roles are {string.Join(", ", Roles.All)}.");
        }
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new UserCommandException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    private async Task AuditAsync(StudioActor actor, string action, string subject, object? details, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditLog.Add(new AuditEntry
        {
            Actor = actor.Name,
            Action = action,
            Subject = subject,
            DetailsJson = details is null ? null : JsonSerializer.Serialize(details),
            At = time.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
    }
}
