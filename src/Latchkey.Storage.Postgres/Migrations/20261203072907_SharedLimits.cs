using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Storage.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class SharedLimits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "client_failure_allowance",
                columns: table => new
                {
                    client = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    tokens = table.Column<double>(type: "double precision", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_client_failure_allowance", x => x.client);
                });

            migrationBuilder.CreateTable(
                name: "machine_user_rate_limit",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    permits = table.Column<int>(type: "integer", nullable: false),
                    window_seconds = table.Column<int>(type: "integer", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_machine_user_rate_limit", x => x.user_id);
                    table.ForeignKey(
                        name: "FK_machine_user_rate_limit_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "rate_limit_window",
                columns: table => new
                {
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    window_start = table.Column<long>(type: "bigint", nullable: false),
                    window_end = table.Column<long>(type: "bigint", nullable: false),
                    used = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rate_limit_window", x => new { x.key, x.window_start });
                });

            migrationBuilder.CreateIndex(
                name: "IX_client_failure_allowance_updated_at",
                table: "client_failure_allowance",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "IX_rate_limit_window_window_end",
                table: "rate_limit_window",
                column: "window_end");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "client_failure_allowance");

            migrationBuilder.DropTable(
                name: "machine_user_rate_limit");

            migrationBuilder.DropTable(
                name: "rate_limit_window");
        }
    }
}
