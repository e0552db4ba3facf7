using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Storage.Sqlite.Migrations
{
    /// <summary>
    /// The change log through which a server on this file learns that another process (the <c>latchkey</c> tool)
    /// changed credentials (<c>SqliteCredentialChangeFeed</c>). It is no part of the EF model: only raw SQL touches it,
    /// and PostgreSQL has no such table (it notifies instead).
    /// </summary>
    public partial class CredentialChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                "CREATE TABLE credential_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, writer TEXT NOT NULL, at INTEGER NOT NULL);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE credential_changes;");
        }
    }
}
