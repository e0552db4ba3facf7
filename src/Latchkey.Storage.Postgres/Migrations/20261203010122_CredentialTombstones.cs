using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Storage.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class CredentialTombstones : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "credential_tombstones",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    public_part = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    digest = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    app_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    reason = table.Column<int>(type: "integer", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_credential_tombstones", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_credential_tombstones_ended_at",
                table: "credential_tombstones",
                column: "ended_at");

            migrationBuilder.CreateIndex(
                name: "IX_credential_tombstones_public_part",
                table: "credential_tombstones",
                column: "public_part");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "credential_tombstones");
        }
    }
}
