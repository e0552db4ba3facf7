using System.Collections.Concurrent;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.RateLimiting;

/// <summary>
/// Fixed-window counts per (credential, policy). On SQLite (one instance) each window's permits are counted here. Where
/// instances share a database (<see cref="ISharedLimitStore"/>), each instance leases permits from the window's row in
/// blocks and hands them out locally: one round trip per block, not per request, and the row never grants more than the
/// limit, so the cluster as a whole admits at most the limit per window.
/// </summary>
/// <remarks>
/// Note: what blocks cost is the other way round: permits leased by an instance that then gets no more of that
/// credential's requests stay unused until the window ends, at most (instances - 1) × (block - 1). The block,
/// <c>max(1, permits / (10 × ExpectedInstances))</c>, keeps that under a tenth of the limit; behind a round-robin balancer
/// every instance spends what it leased and the cluster admits exactly the limit.
/// Windows are aligned to the Unix epoch and read from each instance's clock: instances whose clocks differ by d may
/// let a credential through in two windows at once for d around each boundary.
/// </remarks>
internal sealed class CredentialRateLimiter(TimeProvider time, IOptions<LatchkeyRateLimitOptions> options, ISharedLimitStore? shared = null)
{
    private const int FirstSweepAt = 1024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _sweepAt = FirstSweepAt;

    /// <summary>(credential, policy) pairs counted here now.</summary>
    public int TrackedCredentials => _entries.Count;

    /// <summary>The permits leased from the database at once for a limit of <paramref name="permits"/>.</summary>
    public int BlockFor(int permits) => Math.Max(1, permits / (10 * Math.Max(1, options.Value.ExpectedInstances)));

    /// <summary>
    /// Takes one permit of <paramref name="key"/>'s current window of <paramref name="windowSeconds"/>; says whether it
    /// was granted, about how many are left, and when the window ends. Throws the storage's exception when the shared
    /// count cannot be reached: no permit is granted that the database did not lease (fail closed).
    /// </summary>
    public async ValueTask<RateLimitDecision> AcquireAsync(string key, int permits, int windowSeconds)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            var nowSeconds = now.ToUnixTimeSeconds();
            var start = nowSeconds - (nowSeconds % windowSeconds);
            var end = start + windowSeconds;
            var reset = DateTimeOffset.FromUnixTimeSeconds(end) - now;
            if (_entries.Count >= Volatile.Read(ref _sweepAt))
            {
                Sweep(nowSeconds);
            }

            var entry = _entries.GetOrAdd(key, static _ => new Entry());
            TaskCompletionSource? lease = null;
            Task pending;
            lock (entry)
            {
                if (entry.Removed)
                {
                    continue;
                }

                if (entry.WindowStart != start || entry.Permits != permits)
                {
                    entry.WindowStart = start;
                    entry.WindowEnd = end;
                    entry.Permits = permits;
                    entry.Local = shared is null ? permits : 0;
                    entry.SharedLeft = shared is null ? 0 : permits;
                    entry.Exhausted = false;
                    entry.Pending = null;
                }

                if (entry.Local > 0)
                {
                    entry.Local--;
                    return new(true, entry.Local + entry.SharedLeft, reset);
                }

                if (shared is null || entry.Exhausted)
                {
                    return new(false, 0, reset);
                }

                // Note: one lease at a time per credential and instance: a burst waits for one round trip, not one each.
                if (entry.Pending is null)
                {
                    lease = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    entry.Pending = lease.Task;
                }

                pending = entry.Pending;
            }

            if (lease is not null)
            {
                await LeaseAsync(entry, lease, key, start, end, permits);
            }
            else
            {
                await pending;
            }
        }
    }

    private async Task LeaseAsync(Entry entry, TaskCompletionSource lease, string key, long start, long end, int permits)
    {
        try
        {
            // Note: not cancelled by this request: other requests of the credential wait on the same lease.
            var (granted, used) = await shared!.LeaseAsync(key, start, end, BlockFor(permits), permits, CancellationToken.None);
            lock (entry)
            {
                if (entry.WindowStart == start)
                {
                    entry.Local += granted;
                    entry.SharedLeft = Math.Max(0, permits - used);
                    entry.Exhausted = granted == 0;
                }

                entry.Pending = null;
            }

            lease.SetResult();
        }
        catch (Exception e)
        {
            lock (entry)
            {
                entry.Pending = null;
            }

            lease.SetException(e);
            throw;
        }
    }

    /// <summary>
    /// Forgets credentials whose window has ended (they carry nothing: the next request starts a new window), so the
    /// table holds only the credentials active in their current window. Amortised: when the table has doubled.
    /// </summary>
    private void Sweep(long nowSeconds)
    {
        foreach (var (key, entry) in _entries)
        {
            lock (entry)
            {
                if (entry.WindowEnd <= nowSeconds && entry.Pending is null)
                {
                    entry.Removed = true;
                    _entries.TryRemove(key, out _);
                }
            }
        }

        Volatile.Write(ref _sweepAt, Math.Max(FirstSweepAt, _entries.Count * 2));
    }

    private sealed class Entry
    {
        public long WindowStart = -1;
        public long WindowEnd;
        public int Permits;

        // Note: permits leased to this instance and not yet handed out.
        public int Local;

        // Note: what the database had left after this instance's last lease: the rest of the cluster's estimate.
        public long SharedLeft;
        public bool Exhausted;
        public bool Removed;
        public Task? Pending;
    }
}

/// <summary>A permit granted or refused, about how many are left in the window, and when it ends.</summary>
internal readonly record struct RateLimitDecision(bool Allowed, long Remaining, TimeSpan Reset);
