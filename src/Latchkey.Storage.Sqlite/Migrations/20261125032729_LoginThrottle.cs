using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class LoginThrottle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "login_throttle",
                columns: table => new
                {
                    login_digest = table.Column<string>(type: "TEXT", maxLength: 44, nullable: false),
                    failures = table.Column<int>(type: "INTEGER", nullable: false),
                    last_attempt_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    next_attempt_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_login_throttle", x => x.login_digest);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "login_throttle");
        }
    }
}
