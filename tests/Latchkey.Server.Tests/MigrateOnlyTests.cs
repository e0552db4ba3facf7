using Microsoft.Data.Sqlite;

namespace Latchkey.Server.Tests;

public sealed class MigrateOnlyTests
{
    [Fact]
    public async Task MigrateOnlyCreatesTheSqliteFileWithItsTablesSaysWhatItAppliedAndExits()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-migrate-only-").FullName;
        var file = Path.Combine(directory, "latchkey.db");
        try
        {
            var settings = new Dictionary<string, string> { ["Latchkey__Storage__Provider"] = "sqlite" };
            var first = await ServerProcess.MigrateOnlyWithOutputAsync($"Data Source={file}", settings);
            var again = await ServerProcess.MigrateOnlyWithOutputAsync($"Data Source={file}", settings);

            Assert.Equal(0, first.ExitCode);
            Assert.Matches(@"^Applied \d+ migrations: \d{14}_Initial, ", first.Output.Trim());
            Assert.Equal(0, again.ExitCode);
            Assert.Equal("Database schema up to date: no migration to apply.", again.Output.Trim());

            await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
            await connection.OpenAsync();
            await using var command = new SqliteCommand("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'api_user_key')", connection);
            Assert.Equal(2L, await command.ExecuteScalarAsync());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
