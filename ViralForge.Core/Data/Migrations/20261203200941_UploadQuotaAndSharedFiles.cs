using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ViralForge.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class UploadQuotaAndSharedFiles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "uploaded_by",
                table: "artifacts",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_artifacts_store_key",
                table: "artifacts",
                column: "store_key");

            migrationBuilder.CreateIndex(
                name: "ix_artifacts_uploaded_by",
                table: "artifacts",
                column: "uploaded_by",
                filter: "uploaded_by IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_artifacts_store_key",
                table: "artifacts");

            migrationBuilder.DropIndex(
                name: "ix_artifacts_uploaded_by",
                table: "artifacts");

            migrationBuilder.DropColumn(
                name: "uploaded_by",
                table: "artifacts");
        }
    }
}
