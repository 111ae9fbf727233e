using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;

namespace ViralForge.Tests.Unit;

public sealed class MigrationTests
{
    [Fact]
    public void The_model_and_the_migrations_agree()
    {
        // A model change without `scripts/add-migration` would deploy a schema that does not match the code.
        using var db = new DesignTimeDbContextFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), "The EF model has changes that no migration covers: run scripts/add-migration NAME.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }
}
