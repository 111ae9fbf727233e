using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ViralForge.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Publishing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "channels",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    platform = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    time_zone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    slots = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    daily_cap = table.Column<int>(type: "integer", nullable: false),
                    default_privacy = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ai_disclosure = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    is_default = table.Column<bool>(type: "boolean", nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    settings_json = table.Column<string>(type: "jsonb", nullable: false),
                    protected_secret = table.Column<string>(type: "text", nullable: true),
                    account_name = table.Column<string>(type: "text", nullable: true),
                    needs_reconnect = table.Column<bool>(type: "boolean", nullable: false),
                    connection_note = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_channels", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "publications",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    video_id = table.Column<Guid>(type: "uuid", nullable: false),
                    channel_id = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    scheduled_for = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    attempt = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    lease_id = table.Column<Guid>(type: "uuid", nullable: true),
                    heartbeat_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    enqueued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    upload_session = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    bytes_sent = table.Column<long>(type: "bigint", nullable: false),
                    progress = table.Column<double>(type: "double precision", nullable: false),
                    platform_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    details_json = table.Column<string>(type: "jsonb", nullable: false),
                    requested_by = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_publications", x => x.id);
                    table.ForeignKey(
                        name: "fk_publications_channels_channel_id",
                        column: x => x.channel_id,
                        principalTable: "channels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_publications_videos_video_id",
                        column: x => x.video_id,
                        principalTable: "videos",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "channels",
                columns: new[] { "id", "account_name", "ai_disclosure", "connection_note", "created_at", "daily_cap", "default_privacy", "enabled", "is_default", "name", "needs_reconnect", "platform", "protected_secret", "settings_json", "slots", "time_zone" },
                values: new object[] { 1, null, "Made with AI: script, images, motion and voice are AI-generated.", null, new DateTimeOffset(new DateTime(2026, 12, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), 1000, "public", true, true, "Outbox folder", false, "Outbox", null, "{}", "", "UTC" });

            // The seeded row took id 1 explicitly; move the identity on so the first channel an admin adds gets 2.
            migrationBuilder.Sql("SELECT setval(pg_get_serial_sequence('channels', 'id'), (SELECT max(id) FROM channels));");

            migrationBuilder.CreateIndex(
                name: "ix_channels_name",
                table: "channels",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_publications_channel_id_scheduled_for",
                table: "publications",
                columns: new[] { "channel_id", "scheduled_for" });

            migrationBuilder.CreateIndex(
                name: "ix_publications_status_scheduled_for",
                table: "publications",
                columns: new[] { "status", "scheduled_for" });

            migrationBuilder.CreateIndex(
                name: "ix_publications_video_id_channel_id",
                table: "publications",
                columns: new[] { "video_id", "channel_id" },
                unique: true);

            // Videos approved before channels existed still go out: to the outbox folder, when their approval asked.
            migrationBuilder.Sql("""
                INSERT INTO publications (video_id, channel_id, status, scheduled_for, attempt, bytes_sent, progress, details_json, created_at, requested_by)
                SELECT video_id, 1, 'Scheduled', coalesce(not_before, now()), 0, 0, 0, '{}', now(), 'upgrade'
                FROM stage_runs WHERE stage = 'Publish' AND superseded_at IS NULL AND status <> 'Succeeded';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "publications");

            migrationBuilder.DropTable(
                name: "channels");
        }
    }
}
