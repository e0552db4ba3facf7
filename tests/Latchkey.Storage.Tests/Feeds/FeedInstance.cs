using System.Data.Common;
using Latchkey.Core;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Latchkey.Storage.Postgres;
using Latchkey.Storage.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests.Feeds;

/// <summary>
/// One process of Latchkey on a shared database, as far as revocation is concerned: its storage registration, its
/// credential cache and its change feed (run by the test, as the host's listener runs it). Whether it would accept a
/// credential is exactly the request path's question: is its feed current, and does its cache still hold the entry.
/// </summary>
internal sealed class FeedInstance : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _running = Task.CompletedTask;

    private FeedInstance(ServiceProvider services) => _services = services;

    public ICredentialChangeFeed Feed => _services.GetRequiredService<ICredentialChangeFeed>();

    public CredentialCache Cache => _services.GetRequiredService<CredentialCache>();

    /// <summary>The instance's services, for what the request path resolves from them.</summary>
    public IServiceProvider Services => _services;

    /// <summary>Its commits throw after the database has committed, while this is on (an ambiguous commit).</summary>
    public CommitFailsAfterwards AmbiguousCommits { get; } = new();

    /// <summary>
    /// An instance on <paramref name="connectionString"/> trusting its cache for <paramref name="lease"/>. Its feed does
    /// not run until <see cref="StartAsync"/>; one that never starts is what the <c>latchkey</c> tool composes.
    /// </summary>
    public static FeedInstance Create(string provider, string connectionString, TimeSpan lease, bool deferred = false)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<LatchkeyCredentialCacheOptions>(o => o.Lease = lease);
        if (provider == "postgres")
        {
            services.AddLatchkeyPostgres(connectionString);
        }
        else
        {
            services.AddLatchkeySqlite(connectionString);
        }

        var instance = default(FeedInstance);
        var interceptor = new AmbiguousCommitInterceptor(() => instance!.AmbiguousCommits.On);
        if (provider == "postgres")
        {
            services.ConfigureDbContext<PostgresLatchkeyDbContext>((_, o) => o.AddInterceptors(interceptor));
        }
        else
        {
            services.ConfigureDbContext<SqliteLatchkeyDbContext>((_, o) => o.AddInterceptors(interceptor));
        }

        instance = new FeedInstance(services.BuildServiceProvider());
        instance._services.GetRequiredService<UnheardChangeWaits>().Deferred = deferred;
        return instance;
    }

    /// <summary>Starts the feed and returns once it trusts its cache.</summary>
    public async Task StartAsync()
    {
        _running = Task.Run(() => Feed.RunAsync(_stop.Token));
        await WaitUntilAsync(() => Feed.IsCurrent, "the feed never became current");
    }

    /// <summary>
    /// Stalls the feed before its next round, as a paused process (a long GC pause, a stopped VM): it hears nothing
    /// more, and trusts its cache until its lease runs out. Returns once it has stalled.
    /// </summary>
    public Task StallAsync()
    {
        var once = 0;
        var hold = (Func<Task>)(async () =>
        {
            if (Interlocked.Exchange(ref once, 1) == 0)
            {
                _stalled.TrySetResult();
                await _resumed.Task;
            }
        });
        switch (Feed)
        {
            case PostgresCredentialChangeFeed postgres:
                postgres.BetweenRounds = hold;
                break;
            case SqliteCredentialChangeFeed sqlite:
                sqlite.BetweenRounds = hold;
                break;
        }

        return _stalled.Task;
    }

    /// <summary>Caches a verified credential of <paramref name="user"/>, read from the database just now.</summary>
    public void Remember(string key, Guid user, Guid tenant) => Cache.Store(key, new CachedCredential(TokenKind.ApiKey, new byte[32], "app-1",
        DateTimeOffset.MaxValue, DateTimeOffset.MaxValue,
        new AuthenticatedCaller(user, tenant, "someone@example.test", UserKind.Human, TenantRole.Member, "", null, "app-1"), Cache.Stamp()));

    /// <summary>Whether a request with <paramref name="key"/> would be answered from the cache now.</summary>
    public bool WouldAccept(string key) => Feed.IsCurrent && Cache.Find(key) is not null;

    /// <summary>A change of <paramref name="subject"/>'s credentials, as every revoking store method makes it.</summary>
    public async Task ChangeAsync(Guid subject)
    {
        await using var scope = _services.CreateAsyncScope();
        await using var transaction = await scope.ServiceProvider.GetRequiredService<IUnitOfWork>().BeginAsync(CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().CredentialsChangedAsync(subject, CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }

    /// <summary>Ends every session of <paramref name="user"/> through the session store.</summary>
    public async Task<int> EndSessionsAsync(Guid tenant, Guid user)
    {
        await using var scope = _services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(tenant);
        return await scope.ServiceProvider.GetRequiredService<ISessionStore>().DeleteAllAsync(user, CredentialEndReason.LoggedOut, CancellationToken.None);
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), failure);
    }

    public async ValueTask DisposeAsync()
    {
        _resumed.TrySetResult();
        await _stop.CancelAsync();
        await _running;
        await _services.DisposeAsync();
        _stop.Dispose();
    }

    internal sealed class CommitFailsAfterwards
    {
        public volatile bool On;
    }

    /// <summary>Throws once the database has committed: the connection broke before the client heard the outcome.</summary>
    private sealed class AmbiguousCommitInterceptor(Func<bool> armed) : DbTransactionInterceptor
    {
        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken) =>
            armed() ? throw new TimeoutException("The commit's answer never came.") : Task.CompletedTask;

        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
        {
            if (armed())
            {
                throw new TimeoutException("The commit's answer never came.");
            }
        }
    }
}
