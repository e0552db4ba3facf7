using System.Collections.Concurrent;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Failed password checks per client (address, or IPv6 prefix), as a token bucket: <see cref="LatchkeyNetworkOptions.FailureBurst"/>
/// failures at once, coming back at <see cref="LatchkeyNetworkOptions.FailuresPerMinute"/>. Only failures take from
/// it, so people behind one address who log in correctly are not limited by it; once it is empty, that client's
/// credential requests get 429 before any hashing. On SQLite (one instance) held in memory, like ASP.NET Core's rate
/// limiter; where instances share a database (<see cref="ISharedLimitStore"/>, PostgreSQL) the bucket is one row that
/// every instance charges, so N instances do not give a client N allowances.
/// </summary>
/// <remarks>
/// Note: shared, each counted failure is one atomic statement (a failure already cost a hash, some 40 ms of CPU, so
/// the round trip is noise), and its answer tells this instance when the client is exhausted, which is remembered here
/// with its Retry-After: a refusal on arrival costs no database work. The check with a hashing slot held reads the row
/// (one read per verification, not per request), so an instance that never saw the client fail still stops it; what can
/// run past an exhausted allowance is the verifications already in flight, at most the hashing slots of the cluster.
/// </remarks>
/// <remarks>
/// Note: hand-written rather than System.Threading.RateLimiting's TokenBucketRateLimiter, which cannot be asked
/// without taking (only failures take, and only after the check), keeps time by Stopwatch rather than TimeProvider, and
/// keeps a timer per partition.
/// </remarks>
internal sealed class FailedAttemptLimit(
    IHttpContextAccessor accessor, IOptions<LatchkeyNetworkOptions> options, TimeProvider time,
    ISharedLimitStore? shared = null, IDatabaseClock? clock = null)
    : IFailedAttemptLimit
{
    private const int FirstSweepAt = 1024;

    private readonly LatchkeyNetworkOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();

    // Note: shared mode only: when each client known to be exhausted may try again, as the database last said.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _exhaustedUntil = new();
    private int _sweepAt = FirstSweepAt;

    /// <summary>Clients that have failures not yet given back (shared: clients known here to be exhausted).</summary>
    public int TrackedClients => shared is null ? _buckets.Count : _exhaustedUntil.Count;

    public bool IsExhausted(out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        return accessor.HttpContext is { } context && IsExhausted(context, out retryAfter);
    }

    public async ValueTask<TimeSpan?> ExhaustedAsync(CancellationToken cancellationToken)
    {
        if (accessor.HttpContext is not { } context)
        {
            return null;
        }

        if (IsExhausted(context, out var retryAfter))
        {
            return retryAfter;
        }

        if (shared is null)
        {
            return null;
        }

        var client = Client(context);
        var left = await shared.FailuresLeftAsync(client, _options.FailureBurst, _options.FailuresPerMinute, SharedNow(), cancellationToken);
        return left is { } tokens && tokens < 1 ? RememberExhausted(client, tokens) : null;
    }

    public bool IsExhausted(HttpContext context, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (shared is not null)
        {
            if (!_exhaustedUntil.TryGetValue(Client(context), out var until) || until <= time.GetUtcNow())
            {
                return false;
            }

            retryAfter = until - time.GetUtcNow();
            return true;
        }

        if (!_buckets.TryGetValue(Client(context), out var bucket))
        {
            return false;
        }

        lock (bucket)
        {
            var tokens = bucket.TokensAt(time.GetUtcNow(), _options);
            if (tokens >= 1)
            {
                return false;
            }

            retryAfter = TimeSpan.FromMinutes((1 - tokens) / _options.FailuresPerMinute);
            return true;
        }
    }

    public void RecordFailure()
    {
        if (accessor.HttpContext is not { } context)
        {
            return;
        }

        var client = Client(context);
        if (shared is not null)
        {
            var left = shared.ChargeFailure(client, _options.FailureBurst, _options.FailuresPerMinute, SharedNow());
            if (left < 1)
            {
                RememberExhausted(client, left);
            }

            return;
        }

        while (true)
        {
            var bucket = _buckets.GetOrAdd(client, _ => new Bucket(_options.FailureBurst, time.GetUtcNow()));
            lock (bucket)
            {
                if (bucket.Removed)
                {
                    continue;
                }

                // Note: may go below zero: failures already past the check when the allowance ran out are still
                // charged, so sending many at once buys a longer wait, not more guesses.
                bucket.Tokens = bucket.TokensAt(time.GetUtcNow(), _options) - 1;
                bucket.At = time.GetUtcNow();
                break;
            }
        }

        if (_buckets.Count >= Volatile.Read(ref _sweepAt))
        {
            Sweep();
        }
    }

    // Note: as the per-login throttle, refilled by the clock every instance agrees on: the database server's, unless the
    // process clock is the shared one (then this instance's TimeProvider, which tests move).
    private DateTimeOffset? SharedNow() => clock is { ReadsTheServer: false } ? time.GetUtcNow() : null;

    private TimeSpan RememberExhausted(string client, double tokens)
    {
        var retryAfter = TimeSpan.FromMinutes((1 - tokens) / _options.FailuresPerMinute);
        _exhaustedUntil[client] = time.GetUtcNow() + retryAfter;
        if (_exhaustedUntil.Count >= Volatile.Read(ref _sweepAt))
        {
            // Note: an entry whose wait has passed carries nothing: the database is asked again at the next check.
            var now = time.GetUtcNow();
            foreach (var (known, until) in _exhaustedUntil)
            {
                if (until <= now)
                {
                    _exhaustedUntil.TryRemove(known, out _);
                }
            }

            Volatile.Write(ref _sweepAt, Math.Max(FirstSweepAt, _exhaustedUntil.Count * 2));
        }

        return retryAfter;
    }

    /// <summary>
    /// Forgets clients whose allowance is whole again (they carry no information), so that many addresses failing
    /// once each do not grow the table for ever. Amortised: runs when the table has doubled since the last sweep.
    /// </summary>
    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (client, bucket) in _buckets)
        {
            lock (bucket)
            {
                if (bucket.TokensAt(now, _options) >= _options.FailureBurst)
                {
                    bucket.Removed = true;
                    _buckets.TryRemove(client, out _);
                }
            }
        }

        Volatile.Write(ref _sweepAt, Math.Max(FirstSweepAt, _buckets.Count * 2));
    }

    private string Client(HttpContext context) => ClientPartition.Of(context, _options.IPv6PrefixLength);

    private sealed class Bucket(double tokens, DateTimeOffset at)
    {
        public double Tokens { get; set; } = tokens;

        public DateTimeOffset At { get; set; } = at;

        public bool Removed { get; set; }

        public double TokensAt(DateTimeOffset now, LatchkeyNetworkOptions options) =>
            Math.Min(options.FailureBurst, Tokens + ((now - At).TotalMinutes * options.FailuresPerMinute));
    }
}
