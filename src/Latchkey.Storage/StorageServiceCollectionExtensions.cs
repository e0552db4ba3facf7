using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Stores;
using Latchkey.Storage.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Latchkey.Storage;

/// <summary>What every provider registers alike: the pooled context, the stores, the migrator and the classifier.</summary>
internal static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the stores over <typeparamref name="TContext"/>, configured by the provider's
    /// <paramref name="configure"/> (its <c>UseSqlite</c> or <c>UseNpgsql</c>).
    /// </summary>
    public static IServiceCollection AddLatchkeyStorage<TContext>(
        this IServiceCollection services, Action<IServiceProvider, DbContextOptionsBuilder> configure, IStorageErrorClassifier errors)
        where TContext : LatchkeyDbContext
    {
        AddPooledContext<TContext>(services, configure);
        services.AddSingleton<IStorageErrorClassifier>(errors);
        services.TryAddScoped<TenantContext>();
        services.AddScoped<CredentialChangeTracker>();

        // Note: also here (and not only in AddLatchkeyCore) so that storage composes on its own.
        services.AddOptions();
        services.AddMetrics();
        services.TryAddSingleton<LatchkeyMetrics>();
        services.TryAddSingleton<CredentialCache>();
        services.TryAddSingleton<UnheardChangeWaits>();
        services.AddScoped<DatabaseMigrator>();
        services.AddScoped<ITenantStore, EfTenantStore>();
        services.AddScoped<ITenantPolicyStore, EfTenantPolicyStore>();
        services.AddScoped<IUserStore, EfUserStore>();
        services.AddScoped<ISessionStore, EfSessionStore>();
        services.AddScoped<ILoginThrottleStore, EfLoginThrottleStore>();
        services.AddScoped<IAuditStore, EfAuditStore>();
        services.AddScoped<ISecondFactorStore, EfSecondFactorStore>();
        services.AddScoped<IPasskeyStore, EfPasskeyStore>();
        services.AddScoped<IUnitOfWork, EfUnitOfWork>();
        services.AddScoped<IEmailOutboxStore, EfEmailOutboxStore>();
        services.AddScoped<IEmailTokenStore, EfEmailTokenStore>();
        services.AddScoped<IInvitationStore, EfInvitationStore>();
        services.AddScoped<IPasswordResetRequestStore, EfPasswordResetRequestStore>();
        services.AddScoped<ISigningKeyStore, EfSigningKeyStore>();
        services.AddScoped<ICredentialTombstoneStore, EfCredentialTombstoneStore>();
        services.AddScoped<IMachineUserRateLimitStore, EfMachineUserRateLimitStore>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddLatchkeyEmailProtection();
        return services;
    }

    // Note: contexts come from a pool: building one per request cost ~60 KB and half the time of an authenticated
    // request (docs/benchmarks.md). A pooled context cannot take the scoped TenantContext in its constructor, so the
    // scope's is set on each hand-out; disposing the scope returns the context to the pool.
    private static void AddPooledContext<TContext>(IServiceCollection services, Action<IServiceProvider, DbContextOptionsBuilder> configure)
        where TContext : LatchkeyDbContext
    {
        services.AddPooledDbContextFactory<TContext>((sp, options) =>
        {
            configure(sp, options);

            // Note: a unique index refusing a taken login is an expected outcome (409), not an error. EF would log it
            // at Error twice, each with a 40-line stack trace; at Debug it stays out of a host's log unless asked for.
            // The endpoint writes the one Information line that outcome deserves, and real failures still surface,
            // as 503 or 500, through the host's exception handler (which logs them once).
            options.ConfigureWarnings(w => w.Log(
                (RelationalEventId.CommandError, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug)));
        });
        services.AddScoped<LatchkeyDbContext>(sp =>
        {
            var db = sp.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext();
            db.Tenant = sp.GetRequiredService<TenantContext>();
            db.Changes = sp.GetRequiredService<CredentialChangeTracker>();
            return db;
        });
    }
}
