using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ViralForge.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class OutsideHostLimits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "failures",
                table: "rate_limit_buckets",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "last_event",
                table: "rate_limit_buckets",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "failures",
                table: "rate_limit_buckets");

            migrationBuilder.DropColumn(
                name: "last_event",
                table: "rate_limit_buckets");
        }
    }
}
