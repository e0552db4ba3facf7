using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Latchkey.Storage.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Latchkey.Storage.Tests.Stores;

// Note: the same five contracts as SqliteStoreTests, each test on a fresh database of the tests' PostgreSQL cluster.

public sealed class PostgresTenantStoreTests : TenantStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresUserStoreTests : UserStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresSessionStoreTests : SessionStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();

    [Fact]
    public async Task TwoLoginsAtTheBoundAtOnceLeaveExactlyTheBoundOfLiveSessions()
    {
        const int bound = 3;
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        for (var i = 0; i < bound; i++)
        {
            await CreateSessionAsync(owner, $"app-old-{i}", lastUsedAt: Now.AddHours(-1 - i));
        }

        var first = NewSession(owner, "app-first", lastUsedAt: Now);
        var second = NewSession(owner, "app-second", lastUsedAt: Now);
        first.CreatedAt = second.CreatedAt = Now;

        // Note: the first login has counted, evicted and inserted but not committed when the second one starts: the
        // interleaving in which both would count the same sessions and evict the same one, leaving one too many.
        await using var firstScope = CreateScope();
        var work = firstScope.ServiceProvider.GetRequiredService<IUnitOfWork>();
        var transaction = await work.BeginAsync(CancellationToken.None);
        var firstEvicted = await firstScope.ServiceProvider.GetRequiredService<ISessionStore>()
            .ReplaceAsync(first, bound, SessionIdleTimeout, CancellationToken.None);
        var secondLogin = Task.Run(() => Sessions(s => s.ReplaceAsync(second, bound, SessionIdleTimeout, CancellationToken.None)));
        await WaitUntilABackendWaitsOnALockAsync(secondLogin);
        await transaction.CommitAsync(CancellationToken.None);
        await transaction.DisposeAsync();
        var secondEvicted = await secondLogin;

        var live = await Sessions(acme.Id, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None));
        Assert.Equal(bound, live.Count);
        Assert.Contains(first.Id, live.Select(s => s.Id));
        Assert.Contains(second.Id, live.Select(s => s.Id));
        Assert.Equal(["app-old-2"], firstEvicted.Select(e => e.AppId));
        Assert.Equal(["app-old-1"], secondEvicted.Select(e => e.AppId));
    }

    /// <summary>Waits (on a condition, not a time) until some connection of the test's database waits on a lock.</summary>
    private async Task WaitUntilABackendWaitsOnALockAsync(Task blocked)
    {
        while (!blocked.IsCompleted)
        {
            var waiting = await Db(db => db.Database
                .SqlQuery<int>($"""SELECT count(*)::int AS "Value" FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'""")
                .SingleAsync(CancellationToken.None));
            if (waiting > 0)
            {
                return;
            }

            await Task.Yield();
        }
    }
}

public sealed class PostgresAuditStoreTests : AuditStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresLoginThrottleStoreTests : LoginThrottleStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresSecondFactorStoreTests : SecondFactorStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresCredentialLookupTests : CredentialLookupContract
{
    private PostgresDatabase? _database;

    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => _database = await PostgresDatabase.CreateAsync();

    [Fact]
    public async Task ThirtyTwoParallelMissesOnOneLookupConnectionEachReadTheirOwnSessionOverThatConnection()
    {
        var sessions = await CreateSessionsAsync(32);

        // Note: a name of its own, so the instance's connections can be counted; nothing here but the lookups opens one.
        var name = $"lookups-{Guid.NewGuid():N}";
        await using var provider = WithOneLookupConnection($"{_database!.ConnectionString};Application Name={name}");
        var lookup = provider.GetRequiredService<ICredentialLookup>();

        // Note: every miss waits its turn for the one connection rather than opening another.
        var rows = await Task.WhenAll(sessions.Select(s => Task.Run(() => lookup.FindSessionAsync(s.KeyId, CancellationToken.None).AsTask())));

        Assert.Equal(sessions.Select(s => s.Id), rows.Select(r => r?.SessionId ?? Guid.Empty));
        await using var connection = new Npgsql.NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", connection);
        count.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = name });
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task MissesThatQueueWhileTheOneLookupConnectionIsBusyAreReadTogetherInOneStatement()
    {
        var sessions = await CreateSessionsAsync(32);

        await using var provider = WithOneLookupConnection(_database!.ConnectionString);
        var lookup = (PostgresCredentialLookup)provider.GetRequiredService<ICredentialLookup>();

        // Note: the lookups' one connection held here, so every miss queues behind the first statement whatever the timing.
        var held = await provider.GetRequiredService<PostgresRequestPath>().Lookups.OpenConnectionAsync();
        var reads = sessions.Select(s => lookup.FindSessionAsync(s.KeyId, CancellationToken.None).AsTask()).ToList();
        reads.Add(lookup.FindSessionAsync("no-such-key", CancellationToken.None).AsTask());
        await held.DisposeAsync();
        var rows = await Task.WhenAll(reads);

        Assert.Equal(sessions.Select(s => s.Id), rows.Take(32).Select(r => r?.SessionId ?? Guid.Empty));
        Assert.Equal(sessions.Select(s => s.AppId), rows.Take(32).Select(r => r?.AppId));
        Assert.Null(rows[32]);
        Assert.Equal(33, lookup.Reads);
        Assert.InRange(lookup.Statements, 1, 2);
    }

    [Fact]
    public async Task TheRequestPathsConnectionsRunOnGenericPlansAndKeepTheConnectionStringsOwnOptions()
    {
        await using var requestPath = new PostgresRequestPath($"{_database!.ConnectionString};Options=-c statement_timeout=5000", 1);

        foreach (var source in new[] { requestPath.Lookups, requestPath.DataSource })
        {
            await using var connection = await source.OpenConnectionAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT current_setting('plan_cache_mode'), current_setting('statement_timeout')", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("force_generic_plan", reader.GetString(0));
            Assert.Equal("5s", reader.GetString(1));
        }
    }

    [Fact]
    public async Task EveryMissWaitingOnAnUnreachableDatabaseFailsWithTheDatabaseError()
    {
        // Note: port 9 (discard) has no listener on the test machines, so every connection attempt is refused at once.
        await using var requestPath = new PostgresRequestPath("Host=127.0.0.1;Port=9;Database=latchkey;Username=latchkey;Timeout=5", 1);
        var lookup = new PostgresCredentialLookup(requestPath, NullLogger<PostgresCredentialLookup>.Instance);

        var reads = Enumerable.Range(0, 8).Select(i => lookup.FindSessionAsync($"key-{i}", CancellationToken.None).AsTask()).ToList();

        foreach (var read in reads)
        {
            await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(() => read);
        }
    }

    private async Task<List<AppSession>> CreateSessionsAsync(int count)
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var sessions = new List<AppSession>();
        for (var i = 0; i < count; i++)
        {
            sessions.Add(await CreateSessionAsync(owner, $"app-{i}"));
        }

        return sessions;
    }

    // Note: the storage as a server configures it, with one lookup connection.
    private static ServiceProvider WithOneLookupConnection(string connectionString)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Latchkey:Storage:Provider"] = "postgres",
            ["Latchkey:Storage:LookupConnections"] = "1",
            ["ConnectionStrings:Latchkey"] = connectionString,
        }).Build();
        var services = new ServiceCollection().AddLogging();
        StorageChoice.Read(services, configuration);
        services.AddLatchkeyPostgres(connectionString);
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-4")]
    public void ALookupConnectionsSettingBelowOneIsRefusedNamingTheSetting(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Latchkey:Storage:Provider"] = "postgres",
            ["Latchkey:Storage:LookupConnections"] = value,
            ["ConnectionStrings:Latchkey"] = "Host=127.0.0.1;Database=latchkey",
        }).Build();

        var refused = Assert.Throws<StorageConfigurationException>(() => StorageChoice.Read(new ServiceCollection(), configuration));

        Assert.Contains($"Latchkey:Storage:LookupConnections is {value}", refused.Message);
    }
}
