using Latchkey.Core.Credentials;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Latchkey.Storage.Postgres;

/// <summary>Puts Latchkey's storage on PostgreSQL, where any number of instances may share one database.</summary>
public static class LatchkeyPostgresServiceCollectionExtensions
{
    /// <summary>
    /// Registers Latchkey's stores on the PostgreSQL database of <paramref name="connectionString"/> (an Npgsql
    /// connection string, e.g. <c>Host=db;Database=latchkey;Username=latchkey;Password=...</c>), through one pooled
    /// data source per process and two more for the request path's own statements: its credential lookups (at most
    /// <see cref="LatchkeyStorageOptions.LookupConnections"/> connections) and its writes (<c>Maximum Pool Size</c> in the
    /// connection string bounds those and the first; docs/deploy.md).
    /// </summary>
    public static IServiceCollection AddLatchkeyPostgres(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        // Note: one data source (and so one connection pool) for the process, disposed with the container.
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddSingleton(sp => new PostgresRequestPath(
            connectionString, (sp.GetService<IOptions<LatchkeyStorageOptions>>()?.Value ?? new()).EffectiveLookupConnections));
        services.AddSingleton<ICredentialChangeFeed, PostgresCredentialChangeFeed>();
        services.AddSingleton<ICredentialLookup, PostgresCredentialLookup>();
        services.AddSingleton<ILastUseStore, PostgresLastUseStore>();

        // Note: several instances may share this database, so the per-client and per-credential limits count here.
        services.AddSingleton<ISharedLimitStore, PostgresSharedLimitStore>();

        // Note: instances on several machines judge per-login delays by the server's clock, not each by its own.
        services.AddSingleton<IDatabaseClock, PostgresDatabaseClock>();
        return services.AddLatchkeyStorage<PostgresLatchkeyDbContext>(
            (sp, options) => options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()),
            new PostgresErrorClassifier());
    }
}
