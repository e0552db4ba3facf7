using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class CredentialVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Note: SQLite's own DROP COLUMN (3.35+; the column has no index or constraint), not EF's DropColumn: EF
            // rebuilds the table for it, which needs foreign keys off, which cannot be done inside a transaction, so EF
            // would split this migration in two and warn on every fresh database that a crash between them leaves it
            // half applied. Hand-written, it runs in the migration's one transaction, like the rest.
            migrationBuilder.Sql("ALTER TABLE \"login_throttle\" DROP COLUMN \"last_attempt_id\";");

            migrationBuilder.AddColumn<int>(
                name: "credential_version",
                table: "users",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "last_attempt_at",
                table: "login_throttle",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "pending",
                table: "login_throttle",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "operator",
                table: "audit_log",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "created_ip",
                table: "api_user_key",
                type: "TEXT",
                maxLength: 45,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "credential_version",
                table: "api_user_key",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "pending_maintenance",
                columns: table => new
                {
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pending_maintenance", x => x.name);
                });

            // Note: logins were NFKC + lower-cased; DatabaseMigrator re-folds them in code after this migration.
            migrationBuilder.InsertData(
                table: "pending_maintenance",
                column: "name",
                value: PendingMaintenance.RenormalizeLogins);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "pending_maintenance");

            migrationBuilder.DropColumn(
                name: "credential_version",
                table: "users");

            migrationBuilder.DropColumn(
                name: "last_attempt_at",
                table: "login_throttle");

            migrationBuilder.DropColumn(
                name: "pending",
                table: "login_throttle");

            migrationBuilder.DropColumn(
                name: "operator",
                table: "audit_log");

            migrationBuilder.DropColumn(
                name: "created_ip",
                table: "api_user_key");

            migrationBuilder.DropColumn(
                name: "credential_version",
                table: "api_user_key");

            migrationBuilder.AddColumn<Guid>(
                name: "last_attempt_id",
                table: "login_throttle",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));
        }
    }
}
