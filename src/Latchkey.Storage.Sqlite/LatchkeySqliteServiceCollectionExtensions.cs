using Latchkey.Core;
using Latchkey.Core.Credentials;
using Latchkey.Core.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.Storage.Sqlite;

/// <summary>Puts Latchkey's storage on a SQLite file.</summary>
public static class LatchkeySqliteServiceCollectionExtensions
{
    /// <summary>The connection string used when none is configured: <c>latchkey.db</c> in the working directory.</summary>
    public const string DefaultConnectionString = "Data Source=latchkey.db";

    /// <summary>
    /// Registers Latchkey's stores on the SQLite file of <paramref name="connectionString"/> (defaults to
    /// <see cref="DefaultConnectionString"/>). Several processes of one machine may share the file (the server, a host
    /// that embeds Latchkey beside it, the <c>latchkey</c> tool): each hears the others' revocations through the file's
    /// change feed. Their writes take turns on the file's lock, and SQLite's locking is unsafe on a network share: run
    /// instances on several machines on PostgreSQL instead.
    /// </summary>
    public static IServiceCollection AddLatchkeySqlite(this IServiceCollection services, string? connectionString = null)
    {
        connectionString ??= DefaultConnectionString;

        // Note: a busy timeout lets concurrent writers queue for the file lock instead of failing at once.
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("timeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.DefaultTimeout = 5;
        }

        services.AddSingleton<ICredentialChangeFeed>(sp => new SqliteCredentialChangeFeed(builder.ConnectionString,
            sp.GetRequiredService<CredentialCache>(), sp.GetRequiredService<UnheardChangeWaits>(),
            sp.GetRequiredService<IOptions<LatchkeyCredentialCacheOptions>>(),
            sp.GetRequiredService<ILogger<SqliteCredentialChangeFeed>>()));

        // Note: by factory, so that the container closes its connections when it is disposed.
        services.AddSingleton<ICredentialLookup>(sp => new SqliteCredentialLookup(builder.ConnectionString, builder.DefaultTimeout,
            sp.GetRequiredService<ILogger<SqliteCredentialLookup>>()));
        services.AddSingleton<ILastUseStore>(_ => new SqliteLastUseStore(builder.ConnectionString, builder.DefaultTimeout));
        return services.AddLatchkeyStorage<SqliteLatchkeyDbContext>(
            (_, options) => options.UseSqlite(builder.ConnectionString).AddInterceptors(new SqliteBusyTimeout(builder.DefaultTimeout)),
            new SqliteErrorClassifier());
    }
}
