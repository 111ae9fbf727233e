using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ViralForge.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class SheetsDesk : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "sheet_briefs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    spreadsheet_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    topic_key = table.Column<string>(type: "character varying(700)", maxLength: 700, nullable: false),
                    row_number = table.Column<int>(type: "integer", nullable: false),
                    content_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    video_id = table.Column<Guid>(type: "uuid", nullable: true),
                    status = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sheet_briefs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sheet_sync_state",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    last_success_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_error_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    failures = table.Column<int>(type: "integer", nullable: false),
                    rows_read = table.Column<int>(type: "integer", nullable: false),
                    rows_refused = table.Column<int>(type: "integer", nullable: false),
                    drafts_made = table.Column<int>(type: "integer", nullable: false),
                    decisions_applied = table.Column<int>(type: "integer", nullable: false),
                    cells_written = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sheet_sync_state", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_sheet_briefs_spreadsheet_id_topic_key",
                table: "sheet_briefs",
                columns: new[] { "spreadsheet_id", "topic_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_sheet_briefs_video_id",
                table: "sheet_briefs",
                column: "video_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sheet_briefs");

            migrationBuilder.DropTable(
                name: "sheet_sync_state");
        }
    }
}
