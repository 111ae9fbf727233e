using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ViralForge.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class EndSupersededRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Runs superseded before this release kept "Running"/"Queued" forever; end them.
            migrationBuilder.Sql("""
                UPDATE stage_runs
                SET status = 'Cancelled', finished_at = COALESCE(finished_at, superseded_at), lease_id = NULL, next_attempt_at = NULL,
                    error = 'Superseded by a retry before it finished.'
                WHERE superseded_at IS NOT NULL AND status IN ('Queued', 'Running', 'RetryWaiting')
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
