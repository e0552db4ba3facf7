using System.Collections.Concurrent;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Failed password checks per client (address, or IPv6 prefix), as a token bucket: <see cref="LatchkeyNetworkOptions.FailureBurst"/>
/// failures at once, coming back at <see cref="LatchkeyNetworkOptions.FailuresPerMinute"/>. Only failures take from
/// it, so people behind one address who log in correctly are not limited by it; once it is empty, that client's
/// credential requests get 429 before any hashing. Held in memory, per instance, like ASP.NET Core's rate limiter.
/// </summary>
/// <remarks>
/// Note: hand-written rather than System.Threading.RateLimiting's TokenBucketRateLimiter, which cannot be asked
/// without taking (only failures take, and only after the check), keeps time by Stopwatch rather than TimeProvider, and
/// keeps a timer per partition.
/// </remarks>
internal sealed class FailedAttemptLimit(IHttpContextAccessor accessor, IOptions<LatchkeyNetworkOptions> options, TimeProvider time)
    : IFailedAttemptLimit
{
    private const int FirstSweepAt = 1024;

    private readonly LatchkeyNetworkOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();
    private int _sweepAt = FirstSweepAt;

    /// <summary>Clients that have failures not yet given back.</summary>
    public int TrackedClients => _buckets.Count;

    public bool IsExhausted(out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        return accessor.HttpContext is { } context && IsExhausted(context, out retryAfter);
    }

    public bool IsExhausted(HttpContext context, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
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
