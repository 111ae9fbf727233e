using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ViralForge.Core.Extensions;

namespace ViralForge.Core.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the studio.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ViralForgeDbContext>
{
    public ViralForgeDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<ViralForgeDbContext>();
        CoreServiceCollectionExtensions.ConfigureDb(
            Environment.GetEnvironmentVariable("ConnectionStrings__ViralForge") ?? "Host=127.0.0.1;Database=viralforge_design")(builder);
        return new ViralForgeDbContext(builder.Options);
    }
}
