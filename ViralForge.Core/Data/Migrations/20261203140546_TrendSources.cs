using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ViralForge.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class TrendSources : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The table was never written before sources existed; its rows (if any) have no source to belong to.
            migrationBuilder.Sql("DELETE FROM trend_items;");

            migrationBuilder.DropIndex(
                name: "ix_trend_items_source_external_id",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "source",
                table: "trend_items");

            migrationBuilder.RenameColumn(
                name: "fetched_at",
                table: "trend_items",
                newName: "last_seen_at");

            migrationBuilder.AddColumn<long>(
                name: "trend_item_id",
                table: "videos",
                type: "bigint",
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "title",
                table: "trend_items",
                type: "character varying(300)",
                maxLength: 300,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AlterColumn<string>(
                name: "summary",
                table: "trend_items",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "external_id",
                table: "trend_items",
                type: "character varying(300)",
                maxLength: 300,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AddColumn<long>(
                name: "duplicate_of_id",
                table: "trend_items",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "first_seen_at",
                table: "trend_items",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<double>(
                name: "hot",
                table: "trend_items",
                type: "double precision",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<string>(
                name: "language",
                table: "trend_items",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "news_json",
                table: "trend_items",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "picture_url",
                table: "trend_items",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "published_at",
                table: "trend_items",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "source_id",
                table: "trend_items",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "title_key",
                table: "trend_items",
                type: "character varying(300)",
                maxLength: 300,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "traffic",
                table: "trend_items",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "url",
                table: "trend_items",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "url_key",
                table: "trend_items",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "fetched_bodies",
                columns: table => new
                {
                    url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    e_tag = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    last_modified = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    content_type = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    body = table.Column<byte[]>(type: "bytea", nullable: false),
                    fetched_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_fetched_bodies", x => x.url);
                });

            migrationBuilder.CreateTable(
                name: "trend_sources",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    address = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    settings_json = table.Column<string>(type: "jsonb", nullable: false),
                    language = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    every_minutes = table.Column<int>(type: "integer", nullable: false),
                    budget_per_hour = table.Column<int>(type: "integer", nullable: false),
                    max_items = table.Column<int>(type: "integer", nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    blocked_words = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    next_run_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    running_since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_success_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_error_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    failures = table.Column<int>(type: "integer", nullable: false),
                    items_last_run = table.Column<int>(type: "integer", nullable: false),
                    budget_window_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    budget_used = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_trend_sources", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_trend_items_duplicate_of_id_hot",
                table: "trend_items",
                columns: new[] { "duplicate_of_id", "hot" });

            migrationBuilder.CreateIndex(
                name: "ix_trend_items_last_seen_at",
                table: "trend_items",
                column: "last_seen_at");

            migrationBuilder.CreateIndex(
                name: "ix_trend_items_source_id_external_id",
                table: "trend_items",
                columns: new[] { "source_id", "external_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_trend_items_url_key",
                table: "trend_items",
                column: "url_key");

            migrationBuilder.CreateIndex(
                name: "ix_fetched_bodies_fetched_at",
                table: "fetched_bodies",
                column: "fetched_at");

            migrationBuilder.CreateIndex(
                name: "ix_trend_sources_name",
                table: "trend_sources",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_trend_sources_next_run_at",
                table: "trend_sources",
                column: "next_run_at");

            migrationBuilder.AddForeignKey(
                name: "fk_trend_items_trend_items_duplicate_of_id",
                table: "trend_items",
                column: "duplicate_of_id",
                principalTable: "trend_items",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);

            migrationBuilder.AddForeignKey(
                name: "fk_trend_items_trend_sources_source_id",
                table: "trend_items",
                column: "source_id",
                principalTable: "trend_sources",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_trend_items_trend_items_duplicate_of_id",
                table: "trend_items");

            migrationBuilder.DropForeignKey(
                name: "fk_trend_items_trend_sources_source_id",
                table: "trend_items");

            migrationBuilder.DropTable(
                name: "fetched_bodies");

            migrationBuilder.DropTable(
                name: "trend_sources");

            migrationBuilder.DropIndex(
                name: "ix_trend_items_duplicate_of_id_hot",
                table: "trend_items");

            migrationBuilder.DropIndex(
                name: "ix_trend_items_last_seen_at",
                table: "trend_items");

            migrationBuilder.DropIndex(
                name: "ix_trend_items_source_id_external_id",
                table: "trend_items");

            migrationBuilder.DropIndex(
                name: "ix_trend_items_url_key",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "trend_item_id",
                table: "videos");

            migrationBuilder.DropColumn(
                name: "duplicate_of_id",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "first_seen_at",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "hot",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "language",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "news_json",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "picture_url",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "published_at",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "source_id",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "title_key",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "traffic",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "url",
                table: "trend_items");

            migrationBuilder.DropColumn(
                name: "url_key",
                table: "trend_items");

            migrationBuilder.RenameColumn(
                name: "last_seen_at",
                table: "trend_items",
                newName: "fetched_at");

            migrationBuilder.AlterColumn<string>(
                name: "title",
                table: "trend_items",
                type: "text",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(300)",
                oldMaxLength: 300);

            migrationBuilder.AlterColumn<string>(
                name: "summary",
                table: "trend_items",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(1000)",
                oldMaxLength: 1000,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "external_id",
                table: "trend_items",
                type: "text",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(300)",
                oldMaxLength: 300);

            migrationBuilder.AddColumn<string>(
                name: "source",
                table: "trend_items",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "ix_trend_items_source_external_id",
                table: "trend_items",
                columns: new[] { "source", "external_id" },
                unique: true);
        }
    }
}
