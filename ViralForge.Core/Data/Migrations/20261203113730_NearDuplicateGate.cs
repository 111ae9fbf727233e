using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ViralForge.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class NearDuplicateGate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "video_fingerprints",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    video_id = table.Column<Guid>(type: "uuid", nullable: true),
                    reference_name = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    reference_stamp = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    hashes = table.Column<long[]>(type: "bigint[]", nullable: false),
                    released = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_video_fingerprints", x => x.id);
                    table.ForeignKey(
                        name: "fk_video_fingerprints_videos_video_id",
                        column: x => x.video_id,
                        principalTable: "videos",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_video_fingerprints_reference_name",
                table: "video_fingerprints",
                column: "reference_name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_video_fingerprints_video_id",
                table: "video_fingerprints",
                column: "video_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "video_fingerprints");
        }
    }
}
