using System.Collections.Concurrent;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Services;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Credentials;

/// <summary>
/// Credentials verified against the database, keyed by their public part, so that a repeat request is checked in
/// memory: no query, no write. An entry holds only what the check needs (the secret's digest, never the secret).
/// </summary>
/// <remarks>
/// Invalidation is by subject (a user, a tenant, or everything), not by key: every change takes the next number of a
/// change counter and notes it against its subject, and an entry is good only while its stamp (the counter as it was
/// before the database read that filled it) is at least the last change of its user, its tenant and of everything.
/// That makes a change O(1) whatever the number of entries, and closes the race of a read that began before a change
/// and would otherwise put the old state back after the eviction.
/// </remarks>
internal sealed class CredentialCache : IDisposable
{
    // Note: the change log is pruned by forgetting it all at once (a change of everything), which costs a refill.
    private const int MaxTrackedSubjects = 10_000;

    private readonly MemoryCache? _entries;
    private readonly MemoryCacheEntryOptions? _entryOptions;
    private readonly ConcurrentDictionary<Guid, long> _lastChange = new();
    private long _changes;
    private long _lastChangeOfAll;

    private readonly LatchkeyMetrics _metrics;

    public CredentialCache(IOptions<LatchkeyCredentialCacheOptions> options, LatchkeyMetrics metrics)
    {
        _metrics = metrics;
        var max = options.Value.MaxEntries;
        if (max > 0)
        {
            _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = max, CompactionPercentage = 0.1 });

            // Note: one options object for every entry, so storing one allocates nothing more than the entry.
            _entryOptions = new MemoryCacheEntryOptions { Size = 1 };
            _entryOptions.RegisterPostEvictionCallback(static (_, _, reason, state) =>
            {
                if (reason == EvictionReason.Capacity)
                {
                    ((LatchkeyMetrics)state!).CacheEvicted(LatchkeyMetrics.EvictionReasons.Capacity);
                }
            }, metrics);
        }
    }

    public bool Enabled => _entries is not null;

    /// <summary>Taken before the database read whose result may be stored; see <see cref="Store"/>.</summary>
    public long Stamp() => Volatile.Read(ref _changes);

    /// <summary>The entry for <paramref name="publicPart"/> when it is still good; a stale one is dropped.</summary>
    public CachedCredential? Find(string publicPart)
    {
        if (_entries is null || !_entries.TryGetValue(publicPart, out var found) || found is not CachedCredential entry)
        {
            return null;
        }

        if (entry.Stamp < Volatile.Read(ref _lastChangeOfAll) || entry.Stamp < LastChangeOf(entry.Caller.UserId)
            || entry.Stamp < LastChangeOf(entry.Caller.TenantId))
        {
            _entries.Remove(publicPart);
            _metrics.CacheEvicted(LatchkeyMetrics.EvictionReasons.Invalidated);
            return null;
        }

        return entry;
    }

    /// <summary>Keeps <paramref name="entry"/>, whose database read began at <see cref="CachedCredential.Stamp"/>.</summary>
    public void Store(string publicPart, CachedCredential entry)
    {
        _entries?.Set(publicPart, entry, _entryOptions);
    }

    /// <summary>Drops the entry of a credential past its absolute expiry.</summary>
    public void ForgetExpired(string publicPart)
    {
        _entries?.Remove(publicPart);
        _metrics.CacheEvicted(LatchkeyMetrics.EvictionReasons.Expired);
    }

    /// <summary>
    /// Every entry of <paramref name="subject"/> (a user or a tenant; <see cref="Guid.Empty"/>: all) stops being good.
    /// Called once the change has committed, so that a read stamped after this sees it.
    /// </summary>
    public void Invalidate(Guid subject)
    {
        var change = Interlocked.Increment(ref _changes);
        if (subject == Guid.Empty || _lastChange.Count >= MaxTrackedSubjects)
        {
            Volatile.Write(ref _lastChangeOfAll, change);
            _lastChange.Clear();
            if (_entries is { Count: > 0 and var count })
            {
                _entries.Clear();
                _metrics.CacheEvicted(LatchkeyMetrics.EvictionReasons.Cleared, count);
            }

            return;
        }

        _lastChange[subject] = change;
    }

    private long LastChangeOf(Guid subject) => _lastChange.TryGetValue(subject, out var change) ? change : 0;

    public void Dispose() => _entries?.Dispose();
}

/// <summary>
/// One verified credential: what the request path checks on a hit, and the caller it then hands out.
/// <see cref="RefreshAfter"/> sends the request back to the database once the stored last use is a resolution old, so
/// that last-use recording, idle expiry and the sweeper see exactly what they saw without a cache.
/// </summary>
internal sealed record CachedCredential(
    TokenKind Kind, byte[] Digest, string? AppId, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAfter,
    AuthenticatedCaller Caller, long Stamp);
