using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Latchkey.Storage;
using Latchkey.Storage.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// Holds one call of a real store at a chosen point until the test lets it go, so that a race is played out in a
/// fixed order rather than hoped for with sleeps.
/// </summary>
internal sealed class StoreBarrier
{
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _used;
    private volatile bool _armed;

    /// <summary>A barrier made with <paramref name="armed"/> false holds nothing until <see cref="Arm"/>.</summary>
    public StoreBarrier(bool armed = true) => _armed = armed;

    /// <summary>Completes when the held call has reached the barrier.</summary>
    public Task Arrived => _arrived.Task;

    public void Release() => _released.TrySetResult();

    public void Arm() => _armed = true;

    /// <summary>Holds the first call that gets here; later ones pass.</summary>
    public async Task PassAsync()
    {
        if (_armed && Interlocked.Exchange(ref _used, 1) == 0)
        {
            _arrived.TrySetResult();
            await _released.Task;
        }
    }
}

/// <summary>The real user store, every call passed through; a hook overrides the one call it holds.</summary>
internal abstract class DelegatingUserStore(IUserStore inner) : IUserStore
{
    public virtual Task<bool> UpdateVerifierAsync(Guid userId, string verified, string verifier, CancellationToken cancellationToken) =>
        inner.UpdateVerifierAsync(userId, verified, verifier, cancellationToken);

    public Task<User?> FindByLoginAsync(string normalizedLogin, CancellationToken cancellationToken) => inner.FindByLoginAsync(normalizedLogin, cancellationToken);

    public virtual Task<User?> FindAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken) => inner.FindAsync(tenantId, userId, cancellationToken);

    public Task<bool> CreateAsync(User user, CancellationToken cancellationToken) => inner.CreateAsync(user, cancellationToken);

    public Task<int> CountMachineTokensExpiringAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken) =>
        inner.CountMachineTokensExpiringAsync(from, until, cancellationToken);

    public Task<IReadOnlyList<User>> ListAsync(Guid tenantId, UserKind kind, PageRequest page, CancellationToken cancellationToken) =>
        inner.ListAsync(tenantId, kind, page, cancellationToken);

    public Task<IReadOnlyList<UserSummary>> ListHumansAsync(Guid tenantId, string? loginContains, PageRequest page, CancellationToken cancellationToken) =>
        inner.ListHumansAsync(tenantId, loginContains, page, cancellationToken);

    public Task<UserSummary?> FindHumanSummaryAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken) =>
        inner.FindHumanSummaryAsync(tenantId, userId, cancellationToken);

    public Task<IReadOnlySet<string>> FindTakenLoginsAsync(IReadOnlyCollection<string> normalizedLogins, CancellationToken cancellationToken) =>
        inner.FindTakenLoginsAsync(normalizedLogins, cancellationToken);

    public Task<bool> CreateManyAsync(IReadOnlyCollection<User> newUsers, IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken) =>
        inner.CreateManyAsync(newUsers, entries, cancellationToken);

    public Task<bool> RotateMachineTokenAsync(Guid userId, string verifier, DateTimeOffset? expiresAt, DateTimeOffset? previousUntil, CancellationToken cancellationToken) =>
        inner.RotateMachineTokenAsync(userId, verifier, expiresAt, previousUntil, cancellationToken);

    public Task<bool> EndGraceAsync(Guid userId, CancellationToken cancellationToken) => inner.EndGraceAsync(userId, cancellationToken);

    public Task<bool> SetScopesAsync(Guid tenantId, Guid userId, string scopes, CancellationToken cancellationToken) =>
        inner.SetScopesAsync(tenantId, userId, scopes, cancellationToken);

    public Task<bool> ChangeSecretAsync(
        Guid userId, string verifier, Guid? keepSessionId, CredentialEndReason reason, bool chosenByPerson, CancellationToken cancellationToken) =>
        inner.ChangeSecretAsync(userId, verifier, keepSessionId, reason, chosenByPerson, cancellationToken);

    public Task<UserChange> UpdateAccessAsync(Guid tenantId, Guid userId, UserAccess seen, UserAccess access, CancellationToken cancellationToken) =>
        inner.UpdateAccessAsync(tenantId, userId, seen, access, cancellationToken);

    public Task<UserChange> DeleteAsync(Guid tenantId, Guid userId, TenantRole seenRole, CancellationToken cancellationToken) =>
        inner.DeleteAsync(tenantId, userId, seenRole, cancellationToken);

    public Task RecordLastUseAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken) =>
        inner.RecordLastUseAsync(uses, cancellationToken);
}

/// <summary>The real user store, with the login's rehash held at a barrier before it writes.</summary>
internal sealed class RehashBarrierUserStore(EfUserStore inner, StoreBarrier barrier) : DelegatingUserStore(inner)
{
    public static Action<IServiceCollection> Install(StoreBarrier barrier) => services =>
        services.AddScoped<IUserStore>(sp => new RehashBarrierUserStore(ActivatorUtilities.CreateInstance<EfUserStore>(sp), barrier));

    public override async Task<bool> UpdateVerifierAsync(Guid userId, string verified, string verifier, CancellationToken cancellationToken)
    {
        await barrier.PassAsync();
        return await base.UpdateVerifierAsync(userId, verified, verifier, cancellationToken);
    }
}

/// <summary>
/// The real user store, with the first read of one user held at a barrier right after it read: an owner's or admin's
/// change has then seen the user as it was, and the test changes it before the change goes on.
/// </summary>
internal sealed class ReadBarrierUserStore(EfUserStore inner, StoreBarrier barrier, Func<Guid> heldUser) : DelegatingUserStore(inner)
{
    public static Action<IServiceCollection> Install(StoreBarrier barrier, Func<Guid> heldUser) => services =>
        services.AddScoped<IUserStore>(sp => new ReadBarrierUserStore(ActivatorUtilities.CreateInstance<EfUserStore>(sp), barrier, heldUser));

    public override async Task<User?> FindAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken)
    {
        var user = await base.FindAsync(tenantId, userId, cancellationToken);
        if (userId == heldUser())
        {
            await barrier.PassAsync();
        }

        return user;
    }
}

/// <summary>
/// The real audit store, whose storage dies when armed: the append fails the way the provider fails when its disk or
/// server goes (SQLite: SQLITE_IOERR; PostgreSQL: a broken connection), after the change it records was written in the
/// same transaction.
/// </summary>
internal sealed class FailingAuditStore(EfAuditStore inner, FailingAuditStore.Switch armed) : IAuditStore
{
    public static Action<IServiceCollection> Install(Switch armed) => services =>
        services.AddScoped<IAuditStore>(sp => new FailingAuditStore(ActivatorUtilities.CreateInstance<EfAuditStore>(sp), armed));

    public Task AppendAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken) =>
        armed.On ? throw LatchkeyTestHost.StorageOutage() : inner.AppendAsync(entries, cancellationToken);

    public Task<IReadOnlyList<AuditEntry>> ListAsync(
        Guid tenantId, AuditFilter filter, Guid? before, int limit, CancellationToken cancellationToken) =>
        inner.ListAsync(tenantId, filter, before, limit, cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> AppNamesAsync(
        Guid tenantId, IReadOnlyCollection<string> appIds, CancellationToken cancellationToken) =>
        inner.AppNamesAsync(tenantId, appIds, cancellationToken);

    internal sealed class Switch
    {
        public volatile bool On;
    }
}
