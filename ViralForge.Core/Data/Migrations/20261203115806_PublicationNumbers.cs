using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ViralForge.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class PublicationNumbers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "comments",
                table: "publications",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "likes",
                table: "publications",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_stats_at",
                table: "publications",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "shares",
                table: "publications",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "stats_at",
                table: "publications",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "stats_note",
                table: "publications",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "views",
                table: "publications",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "publication_metrics",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    publication_id = table.Column<long>(type: "bigint", nullable: false),
                    fetched_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    views = table.Column<long>(type: "bigint", nullable: true),
                    likes = table.Column<long>(type: "bigint", nullable: true),
                    comments = table.Column<long>(type: "bigint", nullable: true),
                    shares = table.Column<long>(type: "bigint", nullable: true),
                    watch_minutes = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_publication_metrics", x => x.id);
                    table.ForeignKey(
                        name: "fk_publication_metrics_publications_publication_id",
                        column: x => x.publication_id,
                        principalTable: "publications",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_publications_next_stats_at",
                table: "publications",
                column: "next_stats_at",
                filter: "next_stats_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_publication_metrics_publication_id_fetched_at",
                table: "publication_metrics",
                columns: new[] { "publication_id", "fetched_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "publication_metrics");

            migrationBuilder.DropIndex(
                name: "ix_publications_next_stats_at",
                table: "publications");

            migrationBuilder.DropColumn(
                name: "comments",
                table: "publications");

            migrationBuilder.DropColumn(
                name: "likes",
                table: "publications");

            migrationBuilder.DropColumn(
                name: "next_stats_at",
                table: "publications");

            migrationBuilder.DropColumn(
                name: "shares",
                table: "publications");

            migrationBuilder.DropColumn(
                name: "stats_at",
                table: "publications");

            migrationBuilder.DropColumn(
                name: "stats_note",
                table: "publications");

            migrationBuilder.DropColumn(
                name: "views",
                table: "publications");
        }
    }
}
