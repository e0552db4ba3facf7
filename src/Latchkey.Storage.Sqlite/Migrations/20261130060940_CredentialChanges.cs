using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Storage.Sqlite.Migrations
{
    /// <summary>
    /// The change log through which a process serving this file learns that another process (a second host embedding
    /// Latchkey, the <c>latchkey</c> tool) changed credentials, and the readers' table through which a changing process
    /// learns that every serving process has seen its change (<c>SqliteCredentialChangeFeed</c>). Neither is part of
    /// the EF model: only raw SQL touches them, and PostgreSQL has no such tables (it notifies instead).
    /// </summary>
    public partial class CredentialChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                "CREATE TABLE credential_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, writer TEXT NOT NULL, at INTEGER NOT NULL);");
            migrationBuilder.Sql(
                "CREATE TABLE credential_change_readers (reader TEXT NOT NULL PRIMARY KEY, seen INTEGER NOT NULL, at INTEGER NOT NULL);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE credential_change_readers;");
            migrationBuilder.Sql("DROP TABLE credential_changes;");
        }
    }
}
