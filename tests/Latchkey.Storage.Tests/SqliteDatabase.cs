using Latchkey.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests;

/// <summary>A SQLite file in a temporary directory of its own, wired through <c>AddLatchkeySqlite</c>.</summary>
internal sealed class SqliteDatabase : IStoreDatabase
{
    private readonly string _directory;
    private readonly ServiceProvider _services;

    private SqliteDatabase()
    {
        _directory = Directory.CreateTempSubdirectory("latchkey-storage-tests-").FullName;
        FilePath = Path.Combine(_directory, "latchkey.db");

        // Note: without pooling, disposing the provider closes the file, so the directory can be deleted.
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = FilePath, Pooling = false }.ToString();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLatchkeySqlite(ConnectionString);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        // Note: the stores run here as in the latchkey tool, with no change feed listening: a credential change would
        // otherwise wait out the cache lease (2 s) before returning, as a process whose changes nobody hears must. The
        // tool defers that wait to its end too; the wait itself is the feed tests' subject.
        _services.GetRequiredService<Latchkey.Core.Credentials.UnheardChangeWaits>().Deferred = true;
    }

    public string FilePath { get; }

    public string ConnectionString { get; }

    /// <summary>The provider only; the database file does not exist until the first migration.</summary>
    public static SqliteDatabase CreateUnmigrated() => new();

    public static async Task<SqliteDatabase> CreateAsync()
    {
        var database = new SqliteDatabase();
        try
        {
            await database.MigrateAsync();
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    public async Task MigrateAsync()
    {
        await using var scope = CreateScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
    }

    public AsyncServiceScope CreateScope() => _services.CreateAsyncScope();

    /// <summary>A connection of the test's own, outside the stores, to look at the file as SQLite sees it.</summary>
    public async Task<SqliteConnection> OpenConnectionAsync()
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
