using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Web.Security;

namespace ViralForge.Web.Setup;

public sealed class SetupOptions
{
    public const string Section = "Setup";

    public string AdminEmail { get; set; } = "admin@viralforge.local";

    /// <summary>From VIRALFORGE_ADMIN_PASSWORD; generated and printed once when empty.</summary>
    public string? AdminPassword { get; set; }

    public bool CreateDemoVideo { get; set; } = true;
}

/// <summary>First-start set-up: migrations, roles, the admin account and the demo video.</summary>
public static class StudioInitializer
{
    /// <summary>A worker's start: the schema only (under the same lock); seeding is the studio's.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ViralForgeDbContext>();
        await using var setupLock = await TakeSetupLockAsync(db, scope.ServiceProvider.GetRequiredService<Npgsql.NpgsqlDataSource>(), ct);
        await db.Database.MigrateAsync(ct);
        await ImportLegacyKeysAsync(db, scope.ServiceProvider, ct);
    }

    /// <summary>
    /// Data Protection keys an earlier release kept in a folder beside the artifacts move into PostgreSQL
    /// once (under the setup lock), so sign-in cookies and encrypted channel tokens still open.
    /// </summary>
    private static async Task ImportLegacyKeysAsync(ViralForgeDbContext db, IServiceProvider sp, CancellationToken ct)
    {
        var folder = Extensions.WorkerHost.LegacyKeysFolder(sp.GetRequiredService<IConfiguration>());
        if (!Directory.Exists(folder))
        {
            return;
        }
        var known = (await db.DataProtectionKeys.Select(k => k.FriendlyName).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var added = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "key-*.xml"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (!known.Contains(name))
            {
                var xml = System.Xml.Linq.XElement.Load(file);
                db.DataProtectionKeys.Add(new Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey
                {
                    FriendlyName = name, Xml = xml.ToString(System.Xml.Linq.SaveOptions.DisableFormatting),
                });
                added++;
            }
        }
        if (added > 0)
        {
            await db.SaveChangesAsync(ct);
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Setup").LogInformation("Moved {Count} Data Protection keys from the keys folder into the database.", added);
        }
    }

    public static async Task InitializeAsync(IServiceProvider services, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var sp = scope.ServiceProvider;
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Setup");
        var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<SetupOptions>>().Value;

        var db = sp.GetRequiredService<ViralForgeDbContext>();
        // Several studios or workers may start at once on an empty database: one migrates and seeds,
        // the others wait and then find everything in place instead of failing half-way through a
        // migration ("column already exists") or on a unique index.
        await using var setupLock = await TakeSetupLockAsync(db, sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), ct);
        await db.Database.MigrateAsync(ct);
        await ImportLegacyKeysAsync(db, sp, ct);
        log.LogInformation("Database schema is up to date.");
        await sp.GetRequiredService<Core.Script.Prompts.PromptLibrary>().EnsureDefaultsAsync(ct);

        var roles = sp.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        var users = sp.GetRequiredService<UserManager<AppUser>>();
        if (await users.FindByEmailAsync(options.AdminEmail) is null)
        {
            var generated = string.IsNullOrEmpty(options.AdminPassword);
            var password = generated ? UserAdministration.GeneratePassword() : options.AdminPassword!;
            var admin = new AppUser { UserName = options.AdminEmail, Email = options.AdminEmail, EmailConfirmed = true };
            var result = await users.CreateAsync(admin, password);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException("Could not create the admin account: " + string.Join(" ", result.Errors.Select(e => e.Description)));
            }
            await users.AddToRolesAsync(admin, Roles.All);
            if (generated)
            {
                // Printed to the console once, deliberately not through the logger, so it never reaches log storage.
                Console.WriteLine($"""

                    ==== ViralForge admin account created ====
                      user:     {options.AdminEmail}
                      password: {password}
                    Shown once. Set VIRALFORGE_ADMIN_PASSWORD to choose it yourself.
                    ==========================================

                    """);
            }
            log.LogInformation("Admin account created.");
        }

        if (options.CreateDemoVideo && !await db.Videos.AnyAsync(ct))
        {
            var commands = sp.GetRequiredService<PipelineCommands>();
            var video = await commands.CreateVideoAsync(DemoVideo.Brief, DemoVideo.Script(), null, StudioActor.System("setup", Roles.Creator), ct);
            log.LogInformation("Demo video {VideoId} started.", video.Id);
        }
    }

    private static async Task<SetupLock> TakeSetupLockAsync(ViralForgeDbContext db, Npgsql.NpgsqlDataSource dataSource, CancellationToken ct)
    {
        try
        {
            return await SetupLock.TakeAsync(dataSource, ct);
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.InvalidCatalogName)
        {
            // No database yet (a bare server): the migration creates it, then the lock can be taken.
            await db.Database.MigrateAsync(ct);
            return await SetupLock.TakeAsync(dataSource, ct);
        }
    }

    /// <summary>A session-level advisory lock, released explicitly (a pooled connection outlives the lease) or by the server when the process dies.</summary>
    private sealed class SetupLock(Npgsql.NpgsqlConnection connection) : IAsyncDisposable
    {
        private const string Key = "SELECT hashtext('viralforge:first-start-setup')";

        public static async Task<SetupLock> TakeAsync(Npgsql.NpgsqlDataSource dataSource, CancellationToken ct)
        {
            var connection = await dataSource.OpenConnectionAsync(ct);
            try
            {
                // Waits as long as another studio's first start takes (migrating and seeding on a loaded
                // machine can pass the 30 s default and crashed the waiter); the lock dies with its holder.
                await using var take = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock(({Key}))", connection) { CommandTimeout = 0 };
                await take.ExecuteNonQueryAsync(ct);
                return new SetupLock(connection);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var release = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock(({Key}))", connection);
                await release.ExecuteNonQueryAsync(CancellationToken.None);
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
