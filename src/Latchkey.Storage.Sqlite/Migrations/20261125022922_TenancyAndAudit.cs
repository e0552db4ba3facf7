using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TenancyAndAudit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "tenant_id",
                table: "api_user_key",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            // Note: existing sessions take their user's tenant; a session left with the empty id would match no
            // tenant's filter and so could no longer be listed or revoked by its user.
            migrationBuilder.Sql(
                "UPDATE api_user_key SET tenant_id = (SELECT users.tenant_id FROM users WHERE users.id = api_user_key.user_id);");

            migrationBuilder.CreateTable(
                name: "audit_log",
                columns: table => new
                {
                    seq = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    tenant_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    at = table.Column<long>(type: "INTEGER", nullable: false),
                    @event = table.Column<string>(name: "event", type: "TEXT", maxLength: 64, nullable: false),
                    actor_user_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    subject_user_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    app_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ip_address = table.Column<string>(type: "TEXT", maxLength: 45, nullable: true),
                    detail = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_log", x => x.seq);
                    table.ForeignKey(
                        name: "FK_audit_log_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_api_user_key_tenant_id_user_id",
                table: "api_user_key",
                columns: new[] { "tenant_id", "user_id" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_log_id",
                table: "audit_log",
                column: "id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_audit_log_tenant_id_seq",
                table: "audit_log",
                columns: new[] { "tenant_id", "seq" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_log");

            migrationBuilder.DropIndex(
                name: "IX_api_user_key_tenant_id_user_id",
                table: "api_user_key");

            migrationBuilder.DropColumn(
                name: "tenant_id",
                table: "api_user_key");
        }
    }
}
