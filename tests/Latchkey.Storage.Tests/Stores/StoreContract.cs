using System.Security.Cryptography;
using System.Text;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests.Stores;

/// <summary>
/// What every store contract shares: a fresh database per test from the provider's factory, each store call in a
/// scope of its own (as separate requests make them), and builders for tenants, users and sessions. A call given a
/// tenant runs in a scope that has entered it, as an authenticated request's does; a call without one runs in a scope
/// that has none, as login and the background jobs do.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    private protected static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The idle timeout the tests' sessions are live within.</summary>
    private protected static readonly TimeSpan SessionIdleTimeout = TimeSpan.FromDays(7);

    /// <summary>The bound on live sessions per user in tests that are not about it: more than any of them opens.</summary>
    private protected const int SessionBound = 100;

    private IStoreDatabase? _database;

    private IStoreDatabase Database => _database ?? throw new InvalidOperationException("The database is created in InitializeAsync.");

    /// <summary>A migrated, empty database of the provider under test.</summary>
    private protected abstract Task<IStoreDatabase> CreateDatabaseAsync();

    async Task IAsyncLifetime.InitializeAsync() => _database = await CreateDatabaseAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>One scope for several calls, to see what a failed call leaves behind in its DbContext.</summary>
    private protected AsyncServiceScope CreateScope() => Database.CreateScope();

    private protected Task<T> Tenants<T>(Func<ITenantStore, Task<T>> call) => InScopeAsync(null, call);

    private protected Task<T> Tenants<T>(Guid tenantId, Func<ITenantStore, Task<T>> call) => InScopeAsync(tenantId, call);

    private protected Task<T> Users<T>(Func<IUserStore, Task<T>> call) => InScopeAsync(null, call);

    private protected Task<T> Users<T>(Guid tenantId, Func<IUserStore, Task<T>> call) => InScopeAsync(tenantId, call);

    private protected Task Users(Func<IUserStore, Task> call) => InScopeAsync(null, call);

    private protected Task<T> Sessions<T>(Func<ISessionStore, Task<T>> call) => InScopeAsync(null, call);

    private protected Task<T> Sessions<T>(Guid tenantId, Func<ISessionStore, Task<T>> call) => InScopeAsync(tenantId, call);

    private protected Task Sessions(Func<ISessionStore, Task> call) => InScopeAsync(null, call);

    private protected Task<T> Audit<T>(Func<IAuditStore, Task<T>> call) => InScopeAsync(null, call);

    private protected Task<T> Audit<T>(Guid tenantId, Func<IAuditStore, Task<T>> call) => InScopeAsync(tenantId, call);

    private protected Task Audit(Func<IAuditStore, Task> call) => InScopeAsync(null, call);

    private protected Task<T> Throttles<T>(Func<ILoginThrottleStore, Task<T>> call) => InScopeAsync(null, call);

    private protected Task Throttles(Func<ILoginThrottleStore, Task> call) => InScopeAsync(null, call);

    /// <summary>Any store's call in a scope of its own, in <paramref name="tenantId"/> when given.</summary>
    private protected Task<T> Scoped<TService, T>(Guid? tenantId, Func<TService, Task<T>> call) where TService : notnull =>
        InScopeAsync(tenantId, call);

    /// <summary>Reads the database directly, past the tenant filter, to see rows that no store method would show.</summary>
    private protected Task<T> Db<T>(Func<LatchkeyDbContext, Task<T>> query) => InScopeAsync(null, query);

    private protected Task<int> CountAsync<TEntity>() where TEntity : class =>
        Db(db => db.Set<TEntity>().IgnoreQueryFilters().CountAsync(CancellationToken.None));

    private protected async Task<(Tenant Tenant, User Owner)> CreateTenantAsync(string ownerLogin)
    {
        var tenant = NewTenant();
        var owner = NewUser(tenant.Id, ownerLogin, role: TenantRole.Owner);
        Assert.True(await Tenants(t => t.CreateWithOwnerAsync(tenant, owner, null, CancellationToken.None)));
        return (tenant, owner);
    }

    private protected async Task<User> CreateUserAsync(Guid tenantId, string login, UserKind kind = UserKind.Human)
    {
        var user = NewUser(tenantId, login, kind);
        Assert.True(await Users(u => u.CreateAsync(user, CancellationToken.None)));
        return user;
    }

    private protected async Task<AppSession> CreateSessionAsync(
        User user, string appId, DateTimeOffset? lastUsedAt = null, DateTimeOffset? expiresAt = null)
    {
        var session = NewSession(user, appId, lastUsedAt, expiresAt);
        await Sessions(s => s.ReplaceAsync(session, SessionBound, SessionIdleTimeout, CancellationToken.None));
        return session;
    }

    private protected static Tenant NewTenant(string name = "Acme") =>
        new() { Id = Guid.NewGuid(), Name = name, ContactEmail = "billing@acme.test", CreatedAt = Now.AddDays(-30) };

    private protected static User NewUser(
        Guid tenantId, string login, UserKind kind = UserKind.Human, TenantRole role = TenantRole.Member) => new()
    {
        Id = Guid.NewGuid(),
        TenantId = tenantId,
        Kind = kind,
        Login = login,
        Name = kind == UserKind.Machine ? "deploy bot" : null,
        SecretVerifier = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        Role = role,
        Scopes = kind == UserKind.Machine ? "users:read sessions:write" : "",
        CreatedAt = Now.AddDays(-10),
    };

    private protected static AppSession NewSession(
        User user, string appId, DateTimeOffset? lastUsedAt = null, DateTimeOffset? expiresAt = null)
    {
        var keyId = Guid.NewGuid().ToString("N");
        return new AppSession
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            TenantId = user.TenantId,
            AppId = appId,
            AppName = "Firefox on laptop",
            KeyId = keyId,
            KeyDigest = SHA256.HashData(Encoding.UTF8.GetBytes("secret of " + keyId)),
            CreatedAt = Now.AddDays(-1),
            LastUsedAt = lastUsedAt ?? Now.AddMinutes(-5),
            ExpiresAt = expiresAt ?? Now.AddDays(29),
        };
    }

    private async Task<TResult> InScopeAsync<TService, TResult>(Guid? tenantId, Func<TService, Task<TResult>> call) where TService : notnull
    {
        await using var scope = Database.CreateScope();
        if (tenantId is { } tenant)
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(tenant);
        }

        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    private async Task InScopeAsync<TService>(Guid? tenantId, Func<TService, Task> call) where TService : notnull
    {
        await using var scope = Database.CreateScope();
        if (tenantId is { } tenant)
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(tenant);
        }

        await call(scope.ServiceProvider.GetRequiredService<TService>());
    }
}
