using Latchkey.Storage.Postgres;
using Latchkey.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests;

/// <summary>A database of its own on the tests' PostgreSQL cluster, wired through <c>AddLatchkeyPostgres</c>.</summary>
internal sealed class PostgresDatabase : IStoreDatabase
{
    private readonly ServiceProvider _services;

    private PostgresDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        _services = CreateProvider(connectionString);
        // Note: the stores run here as in the latchkey tool, with no change feed listening: a credential change would
        // otherwise wait out the cache lease (2 s) before returning, as a process whose changes nobody hears must. The
        // tool defers that wait to its end too; the wait itself is the feed tests' subject.
        _services.GetRequiredService<Latchkey.Core.Credentials.UnheardChangeWaits>().Deferred = true;
    }

    public string ConnectionString { get; }

    /// <summary>An empty database, not yet migrated.</summary>
    public static async Task<PostgresDatabase> CreateUnmigratedAsync() => new(await TestPostgres.CreateDatabaseAsync());

    /// <summary>
    /// A migrated database: a copy of the run's template, which <see cref="MigrateAsync"/> migrated once (see
    /// <see cref="TestPostgres.CreateMigratedDatabaseAsync"/>).
    /// </summary>
    public static async Task<PostgresDatabase> CreateAsync() => new(await TestPostgres.CreateMigratedDatabaseAsync(async template =>
    {
        await using var services = CreateProvider(template);
        await MigrateAsync(services);
    }));

    /// <summary>A service provider of its own on the database, as another instance of Latchkey has.</summary>
    public static ServiceProvider CreateProvider(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLatchkeyPostgres(connectionString);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public static async Task MigrateAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
    }

    public AsyncServiceScope CreateScope() => _services.CreateAsyncScope();

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }
}
