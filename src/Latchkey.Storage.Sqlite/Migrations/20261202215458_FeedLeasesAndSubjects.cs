using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Storage.Sqlite.Migrations
{
    /// <summary>
    /// The SQLite change feed's tables (outside the EF model, like <c>CredentialChanges</c>) learn three things: each
    /// change names its subject, so readers forget only that subject's cached credentials (their own changes included);
    /// each reader publishes its lease, so a revoking process waits for the longest; and each reader counts its looks,
    /// so that liveness is judged by a count that must move on the waiter's monotonic clock, never by wall-clock times.
    /// </summary>
    public partial class FeedLeasesAndSubjects : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE credential_changes ADD COLUMN subject TEXT NULL;");
            migrationBuilder.Sql("ALTER TABLE credential_change_readers ADD COLUMN lease INTEGER NOT NULL DEFAULT 0;");
            migrationBuilder.Sql("ALTER TABLE credential_change_readers ADD COLUMN looks INTEGER NOT NULL DEFAULT 0;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE credential_change_readers DROP COLUMN looks;");
            migrationBuilder.Sql("ALTER TABLE credential_change_readers DROP COLUMN lease;");
            migrationBuilder.Sql("ALTER TABLE credential_changes DROP COLUMN subject;");
        }
    }
}
