// Scaffolds an EF Core migration for ViralForge.Core without the dotnet-ef tool
// (which our package mirror does not carry). Usage: scripts/add-migration NAME
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;
using ViralForge.Core.Data;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: AddMigration NAME CORE_PROJECT_DIR");
    return 2;
}
var assembly = typeof(ViralForgeDbContext).Assembly;
using var db = new DesignTimeDbContextFactory().CreateDbContext([]);
var reporter = new OperationReporter(null);
var services = new DesignTimeServicesBuilder(assembly, assembly, reporter, []).Build(db);
var scaffolder = services.GetRequiredService<IMigrationsScaffolder>();
var migration = scaffolder.ScaffoldMigration(args[0], "ViralForge.Core", "Data.Migrations", "C#", dryRun: false);
var files = scaffolder.Save(args[1], migration, Path.Combine(args[1], "Data", "Migrations"), dryRun: false);
Console.WriteLine($"Wrote {files.MigrationFile}");
return 0;
