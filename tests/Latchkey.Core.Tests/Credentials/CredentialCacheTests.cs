using BitFaster.Caching.Scheduler;
using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Tests.Credentials;

/// <summary>
/// The cache's invalidation marks under concurrent invalidations and lookups. Each race is played out in a fixed order
/// through the cache's <see cref="CredentialCache.Interleave"/> seam: the other call runs at the named step.
/// </summary>
public sealed class CredentialCacheTests : IDisposable
{
    private static readonly Guid User = Guid.NewGuid();
    private static readonly Guid Tenant = Guid.NewGuid();

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly CredentialCache _cache;

    public CredentialCacheTests()
    {
        _cache = new CredentialCache(Options.Create(new LatchkeyCredentialCacheOptions()),
            new LatchkeyMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public void AUsersChangeMadeWhileEverythingIsInvalidatedIsNotLost()
    {
        // Note: a read that began after the change of everything and before the user's change must not be trusted.
        long readBegan = 0;
        OnceAt(CacheStep.AllMarked, () =>
        {
            readBegan = _cache.Stamp();
            _cache.Invalidate(User);
        });

        _cache.Invalidate(Guid.Empty);
        _cache.Store("key", Entry(readBegan));

        Assert.Null(_cache.Find("key"));
    }

    [Fact]
    public void TheChangeOfEverythingNeverMovesBackwards()
    {
        long readBegan = 0;
        OnceAt(CacheStep.Counted, () =>
        {
            readBegan = _cache.Stamp();
            _cache.Invalidate(Guid.Empty);
        });

        _cache.Invalidate(Guid.Empty);
        _cache.Store("key", Entry(readBegan));

        Assert.Null(_cache.Find("key"));
    }

    [Fact]
    public void ALookupSeesAUsersChangeEvenWhenEverythingIsInvalidatedWhileItReadsTheMarks()
    {
        _cache.Store("key", Entry(_cache.Stamp()));
        _cache.Invalidate(User);
        OnceAt(CacheStep.BetweenMarkReads, () => _cache.Invalidate(Guid.Empty));

        // Note: the entry is not dropped by the change of everything (it was fetched already); its marks must say so.
        Assert.Null(_cache.Find("key"));
    }

    [Fact]
    public void AnEntryReadAfterEveryChangeIsFound()
    {
        _cache.Invalidate(User);
        _cache.Invalidate(Guid.Empty);
        _cache.Invalidate(Tenant);
        _cache.Store("key", Entry(_cache.Stamp()));

        Assert.NotNull(_cache.Find("key"));
    }

    [Fact]
    public void AStaleEntryDroppedByALookupLeavesTheOneANewerReadStoredMeanwhile()
    {
        _cache.Store("key", Entry(_cache.Stamp()));
        _cache.Invalidate(User);
        var fresh = Entry(_cache.Stamp());
        OnceAt(CacheStep.Finding, () => _cache.Store("key", fresh));

        // Note: this lookup fetched the stale entry before the newer read stored its own; only the stale one goes.
        Assert.Null(_cache.Find("key"));
        Assert.Same(fresh, _cache.Find("key"));
    }

    [Fact]
    public void OftenUsedCredentialsStayCachedWhenManyUsedOnceGoThrough()
    {
        // Note: the policy's upkeep on the calling thread, so that every eviction has happened when Store returns.
        var meters = _services.GetRequiredService<IMeterFactory>();
        using var evictions = new MetricCollector<long>(meters, LatchkeyMetrics.MeterName, "latchkey.credential_cache.evictions");
        var cache = new CredentialCache(Options.Create(new LatchkeyCredentialCacheOptions { MaxEntries = 100 }),
            new LatchkeyMetrics(meters), new ForegroundScheduler());
        var often = Enumerable.Range(0, 50).Select(i => $"often-{i}").ToArray();
        foreach (var key in often)
        {
            cache.Store(key, Entry(cache.Stamp()));
        }

        for (var use = 0; use < 5; use++)
        {
            Assert.All(often, key => Assert.NotNull(cache.Find(key)));
        }

        // Note: three times the room in credentials used once (a least-recently-used cache would keep none of the 50).
        // The policy counts uses in a small probabilistic sketch, so a few may still go: most must stay.
        for (var i = 0; i < 300; i++)
        {
            cache.Store($"once-{i}", Entry(cache.Stamp()));
        }

        Assert.InRange(often.Count(key => cache.Find(key) is not null), 45, 50);
        Assert.InRange(cache.Count, 50, 100);
        Assert.Equal(350 - cache.Count, evictions.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == "capacity").Sum(m => m.Value));
    }

    private void OnceAt(CacheStep step, Action action)
    {
        var done = false;
        _cache.Interleave = at =>
        {
            if (at == step && !done)
            {
                done = true;
                action();
            }
        };
    }

    private static CachedCredential Entry(long stamp) => new(TokenKind.ApiKey, new byte[32], "app-1", DateTimeOffset.MaxValue,
        DateTimeOffset.MaxValue, new AuthenticatedCaller(User, Tenant, "a@example.test", UserKind.Human, TenantRole.Member, "", null, "app-1"),
        stamp);
}
