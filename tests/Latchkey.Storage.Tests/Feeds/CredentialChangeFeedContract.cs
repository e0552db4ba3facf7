using System.Diagnostics;

namespace Latchkey.Storage.Tests.Feeds;

/// <summary>
/// The revocation guarantee (docs/security.md): once a call that changed a credential has returned, no instance on the
/// database accepts the old one. Each test stalls an instance that has the credential cached (it hears nothing more and
/// trusts its cache until its lease runs out, as a paused process does) and plays out one of the narrow gaps in a fixed
/// order; the stalled instance must not be left accepting the credential when the changing call returns.
/// </summary>
public abstract class CredentialChangeFeedContract : IAsyncLifetime
{
    private protected static readonly Guid User = Guid.NewGuid();
    private protected static readonly Guid Tenant = Guid.NewGuid();
    private protected const string Key = "key-1";

    private readonly List<FeedInstance> _instances = [];

    private protected abstract string Provider { get; }

    private protected string ConnectionString { get; set; } = "";

    public abstract Task InitializeAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }

    private protected FeedInstance Instance(TimeSpan lease, bool deferred = false)
    {
        var instance = FeedInstance.Create(Provider, ConnectionString, lease, deferred);
        _instances.Add(instance);
        return instance;
    }

    /// <summary>A running instance with <see cref="Key"/> cached.</summary>
    private protected async Task<FeedInstance> CachingInstanceAsync(TimeSpan lease)
    {
        var instance = Instance(lease);
        await instance.StartAsync();
        instance.Remember(Key, User, Tenant);
        Assert.True(instance.WouldAccept(Key));
        return instance;
    }

    /// <summary>Returns once <paramref name="waiter"/> knows of <paramref name="other"/>, as it does after a while.</summary>
    private protected virtual Task KnowsAsync(FeedInstance waiter, FeedInstance other) => Task.CompletedTask;

    [Fact]
    public async Task ARevocationWaitsOutTheLongestLeaseOfTheLiveInstancesNotItsOwn()
    {
        var revoking = Instance(TimeSpan.FromMilliseconds(300));
        await revoking.StartAsync();
        var trusting = await CachingInstanceAsync(TimeSpan.FromSeconds(3));
        await KnowsAsync(revoking, trusting);
        await trusting.StallAsync();

        await revoking.ChangeAsync(User);

        Assert.False(trusting.WouldAccept(Key));
    }

    [Fact]
    public async Task AChangeWhoseCommitFailsAfterTheDatabaseCommittedIsAppliedHereAndAwaited()
    {
        var revoking = await CachingInstanceAsync(TimeSpan.FromSeconds(1));
        var trusting = await CachingInstanceAsync(TimeSpan.FromSeconds(1));
        await KnowsAsync(revoking, trusting);
        await trusting.StallAsync();

        revoking.AmbiguousCommits.On = true;
        await Assert.ThrowsAnyAsync<Exception>(() => revoking.ChangeAsync(User));

        Assert.Null(revoking.Cache.Find(Key));
        Assert.False(trusting.WouldAccept(Key));
    }

    [Fact]
    public async Task ARetriedRevocationThatEndsNothingStillWaitsForTheChangeBeforeIt()
    {
        var revoking = Instance(TimeSpan.FromSeconds(1));
        await revoking.StartAsync();
        var trusting = await CachingInstanceAsync(TimeSpan.FromSeconds(1));
        await KnowsAsync(revoking, trusting);
        await trusting.StallAsync();

        // Note: the first attempt committed and its caller never waited (it died, or it was the tool deferring its wait).
        await Instance(TimeSpan.FromSeconds(1), deferred: true).ChangeAsync(User);

        Assert.Equal(0, await revoking.EndSessionsAsync(Tenant, User));

        Assert.False(trusting.WouldAccept(Key));
    }

    [Fact]
    public async Task AnInstanceAppliesItsOwnAnnouncementWhenItHearsItBack()
    {
        var instance = await CachingInstanceAsync(TimeSpan.FromSeconds(1));

        // Note: announced and committed past the unit of work, so only the feed can apply it here.
        await AnnounceOutsideTheUnitOfWorkAsync(instance, User);

        await FeedInstance.WaitUntilAsync(() => instance.Cache.Find(Key) is null, "the instance kept what its own announcement changed");
    }

    private protected abstract Task AnnounceOutsideTheUnitOfWorkAsync(FeedInstance instance, Guid subject);
}
