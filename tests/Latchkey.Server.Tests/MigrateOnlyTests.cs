using Microsoft.Data.Sqlite;

namespace Latchkey.Server.Tests;

public sealed class MigrateOnlyTests
{
    [Fact]
    public async Task MigrateOnlyCreatesTheSqliteFileWithItsTablesAndExits()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-migrate-only-").FullName;
        var file = Path.Combine(directory, "latchkey.db");
        try
        {
            Assert.Equal(0, await ServerProcess.MigrateOnlyAsync(
                $"Data Source={file}", new Dictionary<string, string> { ["Latchkey__Storage__Provider"] = "sqlite" }));

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
