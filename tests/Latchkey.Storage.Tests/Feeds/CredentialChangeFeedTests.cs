using Latchkey.Storage.Postgres;
using Latchkey.Tests;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Latchkey.Storage.Tests.Feeds;

public sealed class SqliteCredentialChangeFeedTests : CredentialChangeFeedContract
{
    private SqliteDatabase? _database;

    private protected override string Provider => "sqlite";

    public override async Task InitializeAsync()
    {
        _database = await SqliteDatabase.CreateAsync();
        ConnectionString = _database.ConnectionString;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _database!.DisposeAsync();
    }

    [Fact]
    public async Task AReaderWhoseClockReadsAnHourBehindTheRevokersIsStillWaitedFor()
    {
        var revoking = Instance(TimeSpan.FromSeconds(1));
        await revoking.StartAsync();
        var trusting = await CachingInstanceAsync(TimeSpan.FromSeconds(1));
        await trusting.StallAsync();

        // Note: as if the revoking process's wall clock had stepped an hour forward since the reader last looked.
        await using (var connection = await _database!.OpenConnectionAsync())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE credential_change_readers SET at = at - $hour";
            command.Parameters.AddWithValue("$hour", TimeSpan.FromHours(1).Ticks);
            await command.ExecuteNonQueryAsync();
        }

        await revoking.ChangeAsync(User);

        Assert.False(trusting.WouldAccept(Key));
    }

    private protected override async Task AnnounceOutsideTheUnitOfWorkAsync(FeedInstance instance, Guid subject)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await instance.Feed.AnnounceAsync(connection, transaction, subject, CancellationToken.None);
        await transaction.CommitAsync();
    }
}

public sealed class PostgresCredentialChangeFeedTests : CredentialChangeFeedContract
{
    private protected override string Provider => "postgres";

    public override async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync();
        await using var services = PostgresDatabase.CreateProvider(ConnectionString);
        await PostgresDatabase.MigrateAsync(services);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }

    private protected override Task KnowsAsync(FeedInstance waiter, FeedInstance other) =>
        FeedInstance.WaitUntilAsync(() => ((PostgresCredentialChangeFeed)waiter.Feed).HasHeard(((PostgresCredentialChangeFeed)other.Feed).Instance),
            "the instance never heard the other's heartbeat");

    [Fact]
    public async Task AFreshListenerWaitsTheFullLeaseForInstancesItHasNotHeardYet()
    {
        var trusting = await CachingInstanceAsync(TimeSpan.FromSeconds(2));
        await trusting.StallAsync();

        // Note: it starts listening after the other stalled, so it never hears of it.
        var revoking = Instance(TimeSpan.FromSeconds(2));
        await revoking.StartAsync();
        await revoking.ChangeAsync(User);

        Assert.False(trusting.WouldAccept(Key));
    }

    private protected override async Task AnnounceOutsideTheUnitOfWorkAsync(FeedInstance instance, Guid subject)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await instance.Feed.AnnounceAsync(connection, transaction, subject, CancellationToken.None);
        await transaction.CommitAsync();
    }
}

public sealed class SqliteCredentialReadsTests : CredentialReadsContract
{
    private SqliteDatabase? _database;

    private protected override string Provider => "sqlite";

    public override async Task InitializeAsync()
    {
        _database = await SqliteDatabase.CreateAsync();
        ConnectionString = _database.ConnectionString;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _database!.DisposeAsync();
    }
}

public sealed class PostgresCredentialReadsTests : CredentialReadsContract
{
    private protected override string Provider => "postgres";

    public override async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync();
        await using var services = PostgresDatabase.CreateProvider(ConnectionString);
        await PostgresDatabase.MigrateAsync(services);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }
}
