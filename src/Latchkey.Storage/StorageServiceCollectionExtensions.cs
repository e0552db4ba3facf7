using Latchkey.Core.Stores;
using Latchkey.Storage.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Latchkey.Storage;

internal static class StorageServiceCollectionExtensions
{
    public const string DefaultConnectionString = "Data Source=latchkey.db";

    public static IServiceCollection AddLatchkeyStorage(this IServiceCollection services, string provider, string? connectionString)
    {
        connectionString ??= DefaultConnectionString;
        switch (provider.ToLowerInvariant())
        {
            case "sqlite":
                // Note: a busy timeout lets concurrent writers queue for the file lock instead of failing at once.
                var builder = new SqliteConnectionStringBuilder(connectionString);
                if (!connectionString.Contains("timeout", StringComparison.OrdinalIgnoreCase))
                {
                    builder.DefaultTimeout = 5;
                }

                AddPooledContext<SqliteLatchkeyDbContext>(services, o => o.UseSqlite(builder.ConnectionString).AddInterceptors(new SqliteBusyTimeout(builder.DefaultTimeout)));
                services.AddSingleton<IStorageErrorClassifier, SqliteErrorClassifier>();
                break;
            default:
                throw new InvalidOperationException(
                    $"Latchkey:Storage:Provider '{provider}' is not supported; use 'sqlite'.");
        }

        services.TryAddScoped<TenantContext>();
        services.AddScoped<DatabaseMigrator>();
        services.AddScoped<ITenantStore, EfTenantStore>();
        services.AddScoped<IUserStore, EfUserStore>();
        services.AddScoped<ISessionStore, EfSessionStore>();
        services.AddScoped<ILoginThrottleStore, EfLoginThrottleStore>();
        services.AddScoped<IAuditStore, EfAuditStore>();
        services.AddScoped<IUnitOfWork, EfUnitOfWork>();
        return services;
    }

    // Note: contexts come from a pool: building one per request cost ~60 KB and half the time of an authenticated
    // request (docs/benchmarks.md). A pooled context cannot take the scoped TenantContext in its constructor, so the
    // scope's is set on each hand-out; disposing the scope returns the context to the pool.
    private static void AddPooledContext<TContext>(IServiceCollection services, Action<DbContextOptionsBuilder> configure)
        where TContext : LatchkeyDbContext
    {
        services.AddPooledDbContextFactory<TContext>(options =>
        {
            configure(options);

            // Note: a unique index refusing a taken login is an expected outcome (409), not an error. EF would log it
            // at Error twice; real failures still surface, as 503 or 500, through the host's exception handler.
            options.ConfigureWarnings(w => w.Log(
                (RelationalEventId.CommandError, LogLevel.Warning),
                (CoreEventId.SaveChangesFailed, LogLevel.Warning)));
        });
        services.AddScoped<LatchkeyDbContext>(sp =>
        {
            var db = sp.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext();
            db.Tenant = sp.GetRequiredService<TenantContext>();
            return db;
        });
    }
}
