using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Storage.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class TenantPolicy : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "tenant_policy",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    session_absolute_lifetime_seconds = table.Column<long>(type: "bigint", nullable: true),
                    session_idle_timeout_seconds = table.Column<long>(type: "bigint", nullable: true),
                    max_sessions_per_user = table.Column<int>(type: "integer", nullable: true),
                    machine_token_max_lifetime_seconds = table.Column<long>(type: "bigint", nullable: true),
                    machine_token_scopes = table.Column<string>(type: "character varying(2200)", maxLength: 2200, nullable: true),
                    password_min_length = table.Column<int>(type: "integer", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tenant_policy", x => x.tenant_id);
                    table.ForeignKey(
                        name: "FK_tenant_policy_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "tenant_policy");
        }
    }
}
