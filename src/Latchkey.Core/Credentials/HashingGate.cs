using System.Threading.RateLimiting;
using Latchkey.Core.Diagnostics;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Credentials;

/// <summary>
/// Admits at most <see cref="LatchkeyHashingOptions.MaxConcurrency"/> Argon2 computations at once, first come first
/// served, and queues the rest while their expected wait stays under <see cref="LatchkeyHashingOptions.QueueTimeout"/>.
/// Memory is bounded by the running hashes (Argon2's memory × concurrency), time by the queue timeout; a burst of
/// logins is served as fast as the cores allow instead of being cut at an arbitrary count.
/// </summary>
internal sealed class HashingGate : IDisposable
{
    private readonly int _concurrency;
    private readonly TimeSpan _queueTimeout;
    private readonly TimeProvider _time;
    private readonly LatchkeyMetrics _metrics;
    private readonly ConcurrencyLimiter _slots;
    private readonly HashTimeEstimate _hashTime = new();

    // Note: slots held plus slots queued for (a request takes one, or more for a foreign hash that needs more memory);
    // a request's place in the queue is read from it.
    private int _inGate;

    // Note: when a slot was last given up, i.e. handed to the next request in the queue; see EnterAsync.
    private long _lastLeftAt;

    public HashingGate(IOptions<LatchkeyHashingOptions> options, TimeProvider time, LatchkeyMetrics metrics)
    {
        _concurrency = options.Value.MaxConcurrency;
        _queueTimeout = options.Value.QueueTimeout;
        _time = time;
        _metrics = metrics;

        // Note: the queue is bounded by expected wait in EnterAsync, so the limiter's own count bound is off.
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _concurrency,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The measured time one hash holds a slot (the median of recent hashes).</summary>
    public TimeSpan HashTime => _hashTime.Current;

    /// <summary>Slots held or waited for: one per request, more for a verification that needs more memory.</summary>
    public int InGate => Volatile.Read(ref _inGate);

    /// <summary>
    /// Waits for a slot. Throws <see cref="HashingCapacityExceededException"/> when the expected wait is over the queue
    /// timeout (or the wait ran to twice that), and <see cref="OperationCanceledException"/> when the caller gave up
    /// (a client that disconnects leaves the queue).
    /// </summary>
    public ValueTask<Slot> EnterAsync(CancellationToken cancellationToken) => EnterAsync(1, cancellationToken);

    /// <summary>
    /// Waits for <paramref name="slots"/> slots at once, as <see cref="EnterAsync(CancellationToken)"/> waits for one:
    /// a verification that needs several times the configured Argon2 memory (an imported hash) holds as many slots, so
    /// that Argon2 memory stays bounded by the slots × the configured memory. Note: one that needs more than all of them
    /// takes all of them and runs alone; the bound is then its own memory (at most the import limit).
    /// </summary>
    public async ValueTask<Slot> EnterAsync(int slots, CancellationToken cancellationToken)
    {
        slots = Math.Clamp(slots, 1, _concurrency);
        var inGate = Interlocked.Add(ref _inGate, slots);
        var expectedWait = ExpectedWait(inGate);
        if (expectedWait > _queueTimeout)
        {
            Interlocked.Add(ref _inGate, -slots);
            _metrics.HashingRefused();
            throw new HashingCapacityExceededException(RetryAfter(expectedWait), expectedWait);
        }

        RateLimitLease lease;
        long heldSince;
        try
        {
            lease = _slots.AttemptAcquire(slots);
            heldSince = _time.GetTimestamp();
            if (!lease.IsAcquired)
            {
                lease.Dispose();
                var queuedAt = heldSince;
                _metrics.HashingQueued();
                try
                {
                    lease = await WaitAsync(slots, cancellationToken);
                }
                finally
                {
                    _metrics.HashingDequeued();
                }

                _metrics.HashingWaited(_time.GetElapsedTime(queuedAt));

                // Note: the slot was handed over when its last holder left, and this continuation may have waited
                // for a thread since; that wait occupies the slot too, so it belongs in the measured hash time.
                heldSince = Volatile.Read(ref _lastLeftAt);
            }
            else
            {
                _metrics.HashingWaited(TimeSpan.Zero);
            }
        }
        catch
        {
            Interlocked.Add(ref _inGate, -slots);
            throw;
        }

        return new Slot(this, lease, heldSince, slots);
    }

    private async ValueTask<RateLimitLease> WaitAsync(int slots, CancellationToken cancellationToken)
    {
        // Note: a backstop, not the admission rule: the expected wait was under the timeout when the request was
        // queued; only if hashing slowed down a lot since does a queued request give up.
        using var backstop = new CancellationTokenSource(_queueTimeout * 2, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, backstop.Token);
        try
        {
            return await _slots.AcquireAsync(slots, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _metrics.HashingRefused();
            var expectedWait = ExpectedWait(InGate);
            throw new HashingCapacityExceededException(RetryAfter(expectedWait), expectedWait);
        }
    }

    /// <summary>
    /// When a refused request should come back: once the queue it found has drained, and never later than the queue
    /// timeout. Note: derived from the requests actually in the gate, not from earlier refusals: a refused client that
    /// never returns takes no place, so a storm of refusals ignored by their senders cannot push honest clients' retries
    /// out (it once did, by one hash time per refusal, hours after a storm). The queue timeout bounds it because every
    /// request in the queue was admitted expecting to wait at most that long: by then the queue found has been served.
    /// </summary>
    private TimeSpan RetryAfter(TimeSpan expectedWait) => expectedWait < _queueTimeout ? expectedWait : _queueTimeout;

    /// <summary>
    /// How long a request that finds <paramref name="inGate"/> requests in the gate (itself included) is expected to
    /// wait: every request queued ahead of it, and itself, needs one hash time on one of the slots.
    /// </summary>
    private TimeSpan ExpectedWait(int inGate)
    {
        var queuedUpToHere = inGate - _concurrency;
        return queuedUpToHere <= 0 ? TimeSpan.Zero : _hashTime.Current * queuedUpToHere / _concurrency;
    }

    private void Leave(RateLimitLease lease, long heldSince, int slots)
    {
        var now = _time.GetTimestamp();
        var held = _time.GetElapsedTime(heldSince, now);
        _hashTime.Add(held);
        _metrics.HashingHeld(held);
        Volatile.Write(ref _lastLeftAt, now);
        lease.Dispose();
        Interlocked.Add(ref _inGate, -slots);
    }

    public void Dispose() => _slots.Dispose();

    internal readonly struct Slot(HashingGate gate, RateLimitLease lease, long heldSince, int slots) : IDisposable
    {
        public void Dispose() => gate.Leave(lease, heldSince, slots);
    }

    /// <summary>
    /// The median of how long the last <see cref="Window"/> hashes held their slot: follows the machine's real speed
    /// (other load, a raised Argon2 cost) within half a window, while a few hashes stalled by the scheduler on a busy
    /// machine do not swing it (an average let one such stall refuse a whole burst, measured under load).
    /// </summary>
    private sealed class HashTimeEstimate
    {
        private const int Window = 16;
        private readonly Lock _lock = new();
        private readonly long[] _samples = new long[Window];
        private readonly long[] _sorted = new long[Window];
        private int _count;
        private int _next;

        public TimeSpan Current
        {
            get
            {
                lock (_lock)
                {
                    if (_count == 0)
                    {
                        return TimeSpan.Zero;
                    }

                    Array.Copy(_samples, _sorted, _count);
                    Array.Sort(_sorted, 0, _count);
                    var middle = _count / 2;
                    return TimeSpan.FromTicks(_count % 2 == 1 ? _sorted[middle] : (_sorted[middle - 1] + _sorted[middle]) / 2);
                }
            }
        }

        public void Add(TimeSpan sample)
        {
            lock (_lock)
            {
                _samples[_next] = sample.Ticks;
                _next = (_next + 1) % Window;
                _count = Math.Min(_count + 1, Window);
            }
        }
    }
}

/// <summary>
/// Password hashing refused for this request before any hash ran: the host answers with the status of the reason and
/// a <c>Retry-After</c>. Any attempt counted for it is taken back, since nothing was verified.
/// </summary>
internal abstract class HashingRefusedException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The expected wait for a hashing slot is over the queue timeout; the host answers 503 with Retry-After.</summary>
internal sealed class HashingCapacityExceededException(TimeSpan retryAfter, TimeSpan expectedWait)
    : HashingRefusedException("Password hashing is at capacity.", retryAfter)
{
    /// <summary>How long the refused request would have waited for a slot (for the operator's log).</summary>
    public TimeSpan ExpectedWait { get; } = expectedWait;
}

/// <summary>The caller's client (its address) has used up its allowance of failed attempts; the host answers 429.</summary>
internal sealed class FailedAttemptsExhaustedException(TimeSpan retryAfter)
    : HashingRefusedException("Too many failed attempts from this client.", retryAfter);
