using System.Collections.Concurrent;
using BitFaster.Caching;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Scheduler;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Services;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Credentials;

/// <summary>
/// Credentials verified against the database, keyed by their public part, so that a repeat request is checked in
/// memory: no query, and no write of the request's own (once a resolution a hit queues the use for the background
/// writer). An entry holds only what the check needs (the secret's digest, never the secret).
/// </summary>
/// <remarks>
/// Invalidation is by subject (a user, a tenant, or everything), not by key: every change takes the next number of a
/// change counter and notes it against its subject, and an entry is good only while its stamp (the counter as it was
/// before the database read that filled it) is at least the last change of its user, its tenant and of everything.
/// That makes a change O(1) whatever the number of entries, and closes the race of a read that began before a change
/// and would otherwise put the old state back after the eviction. Invalidations are linearizable: they take a lock
/// (they are rare), the change of everything only ever rises, and pruning never drops a mark newer than it.
/// When full, the cache keeps the credentials used most often, not the ones used last (W-TinyLFU, BitFaster.Caching's
/// <see cref="ConcurrentLfu{K, V}"/>): with a million credentials whose use follows a Zipf law, an LRU of 100 000
/// converges to about 88.6 % hits and this to about 91.9 %, the share of the 100 000 most used (docs/benchmarks.md).
/// A one-off scan (a flood of distinct credentials) then does not push the often-used ones out.
/// </remarks>
internal sealed class CredentialCache
{
    // Note: the change log is pruned by forgetting it all at once (a change of everything), which costs a refill.
    private const int MaxTrackedSubjects = 10_000;

    private readonly ICache<string, CachedCredential>? _entries;
    private readonly ConcurrentDictionary<Guid, long> _lastChange = new();
    private long _changes;
    private long _lastChangeOfAll;
    private readonly Lock _invalidating = new();

    private readonly LatchkeyMetrics _metrics;

    public CredentialCache(IOptions<LatchkeyCredentialCacheOptions> options, LatchkeyMetrics metrics)
        : this(options, metrics, new ThreadPoolScheduler())
    {
    }

    /// <param name="upkeep">Where the eviction policy's upkeep runs; a test runs it on the caller, to see its result.</param>
    internal CredentialCache(IOptions<LatchkeyCredentialCacheOptions> options, LatchkeyMetrics metrics, IScheduler upkeep)
    {
        _metrics = metrics;
        var max = options.Value.MaxEntries;
        if (max > 0)
        {
            _entries = new ConcurrentLfuBuilder<string, CachedCredential>()
                .WithCapacity(max).WithScheduler(upkeep).WithEvents().Build();
            _entries.Events.Value!.ItemRemoved += (_, removed) =>
            {
                if (removed.Reason == ItemRemovedReason.Evicted)
                {
                    _metrics.CacheEvicted(LatchkeyMetrics.EvictionReasons.Capacity);
                }
            };
        }
    }

    public bool Enabled => _entries is not null;

    /// <summary>Entries held now (some may be stale until looked up); for the metrics.</summary>
    public long Count => _entries?.Count ?? 0;

    /// <summary>Taken before the database read whose result may be stored; see <see cref="Store"/>.</summary>
    public long Stamp() => Volatile.Read(ref _changes);

    /// <summary>The entry for <paramref name="publicPart"/> when it is still good; a stale one is dropped.</summary>
    public CachedCredential? Find(string publicPart)
    {
        if (_entries is null || !_entries.TryGet(publicPart, out var entry))
        {
            return null;
        }

        // Note: the marks are read in the opposite order to the one Invalidate writes them in (the change of everything
        // first, then the subjects' marks it makes redundant are pruned): a subject's mark read here either is still
        // there, or was pruned after the change of everything that covers it was written, and that is read next.
        Interleave?.Invoke(CacheStep.Finding);
        if (entry.Stamp < LastChangeOf(entry.Caller.UserId) || entry.Stamp < LastChangeOf(entry.Caller.TenantId)
            || Step(CacheStep.BetweenMarkReads) || entry.Stamp < Volatile.Read(ref _lastChangeOfAll))
        {
            // Note: this entry only: one stored meanwhile by a newer read is good and stays.
            if (_entries.TryRemove(KeyValuePair.Create(publicPart, entry)))
            {
                _metrics.CacheEvicted(LatchkeyMetrics.EvictionReasons.Invalidated);
            }

            return null;
        }

        return entry;
    }

    /// <summary>Keeps <paramref name="entry"/>, whose database read began at <see cref="CachedCredential.Stamp"/>.</summary>
    public void Store(string publicPart, CachedCredential entry)
    {
        _entries?.AddOrUpdate(publicPart, entry);
    }

    /// <summary>Drops the entry of a credential past its absolute expiry.</summary>
    public void ForgetExpired(string publicPart)
    {
        _entries?.TryRemove(publicPart);
        _metrics.CacheEvicted(LatchkeyMetrics.EvictionReasons.Expired);
    }

    /// <summary>
    /// Every entry of <paramref name="subject"/> (a user or a tenant; <see cref="Guid.Empty"/>: all) stops being good.
    /// Called once the change has committed, so that a read stamped after this sees it.
    /// </summary>
    public void Invalidate(Guid subject)
    {
        // Note: invalidations are rare next to lookups, so they take turns: a subject's mark can then never be pruned
        // by a change of everything numbered before it, nor the change of everything move backwards. Lookups take no
        // lock; the order of the writes below is what they rely on.
        lock (_invalidating)
        {
            var change = Interlocked.Increment(ref _changes);
            if (subject != Guid.Empty && _lastChange.Count < MaxTrackedSubjects)
            {
                _lastChange[subject] = change;
                return;
            }

            Interleave?.Invoke(CacheStep.Counted);
            RaiseTo(ref _lastChangeOfAll, change);
            Interleave?.Invoke(CacheStep.AllMarked);

            // Note: only the marks the change of everything covers go; one numbered after it (a change that got in
            // between, were the lock ever not held) must stay.
            var all = Volatile.Read(ref _lastChangeOfAll);
            foreach (var (marked, at) in _lastChange)
            {
                if (at <= all)
                {
                    _lastChange.TryRemove(KeyValuePair.Create(marked, at));
                }
            }

            if (_entries is { Count: > 0 and var count })
            {
                _entries.Clear();
                _metrics.CacheEvicted(LatchkeyMetrics.EvictionReasons.Cleared, count);
            }
        }
    }

    /// <summary>Raises <paramref name="target"/> to <paramref name="value"/> unless it is higher already.</summary>
    private static void RaiseTo(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (current < value)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private bool Step(CacheStep step)
    {
        Interleave?.Invoke(step);
        return false;
    }

    /// <summary>Test seam: called at the named steps, so that a test plays out an interleaving in a fixed order.</summary>
    internal Action<CacheStep>? Interleave { get; set; }

    private long LastChangeOf(Guid subject) => _lastChange.TryGetValue(subject, out var change) ? change : 0;
}

/// <summary>The steps of <see cref="CredentialCache"/> at which a test may interleave another call.</summary>
internal enum CacheStep
{
    /// <summary><see cref="CredentialCache.Find"/> has an entry and is about to check its marks.</summary>
    Finding,

    /// <summary><see cref="CredentialCache.Find"/> has read one kind of mark and not yet the other.</summary>
    BetweenMarkReads,

    /// <summary><see cref="CredentialCache.Invalidate"/> of everything has taken its number and not yet marked it.</summary>
    Counted,

    /// <summary><see cref="CredentialCache.Invalidate"/> of everything has marked it and not yet pruned older marks.</summary>
    AllMarked,
}

/// <summary>
/// One verified credential: what the request path checks on a hit, and the caller it then hands out.
/// <see cref="RefreshAfter"/> is when the last use recorded for it (<see cref="LastUse"/>) is a resolution old, and the
/// next use is recorded; <see cref="IdleAfter"/> is when the session could have gone idle by the last use the database
/// showed, and the request goes back to the database.
/// </summary>
internal sealed record CachedCredential(
    TokenKind Kind, byte[] Digest, string? AppId, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAfter,
    AuthenticatedCaller Caller, long Stamp)
{
    /// <summary>The last use recorded for the credential: by the database, or queued by this instance.</summary>
    public DateTimeOffset LastUse { get; init; }

    /// <summary>The stored last use plus the idle timeout in force; never for a machine token, which does not go idle.</summary>
    public DateTimeOffset IdleAfter { get; init; } = DateTimeOffset.MaxValue;
}
