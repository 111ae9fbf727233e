using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ViralForge.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class PublicationWatchMinutes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "watch_minutes",
                table: "publications",
                type: "double precision",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "watch_minutes",
                table: "publications");
        }
    }
}
