using Microsoft.Extensions.Options;

namespace Latchkey.Core.Credentials;

/// <summary>
/// Admits at most <see cref="LatchkeyHashingOptions.MaxConcurrency"/> Argon2 computations at once, with a bounded,
/// time-limited queue: a burst of logins then costs bounded memory (Argon2 memory × concurrency) and CPU, and the
/// excess is refused quickly instead of piling up.
/// </summary>
internal sealed class HashingGate(IOptions<LatchkeyHashingOptions> options) : IDisposable
{
    private readonly LatchkeyHashingOptions _options = options.Value;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrency, options.Value.MaxConcurrency);
    private int _inFlight;

    /// <summary>Waits for a slot; throws <see cref="HashingCapacityExceededException"/> when the queue is full or the wait too long.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        // Note: in flight = hashing now + waiting; beyond the slots and the queue, refuse at once.
        if (Interlocked.Increment(ref _inFlight) > _options.QueueLimit + _options.MaxConcurrency)
        {
            Interlocked.Decrement(ref _inFlight);
            throw new HashingCapacityExceededException();
        }

        bool entered;
        try
        {
            entered = await _slots.WaitAsync(_options.QueueTimeout, cancellationToken);
        }
        catch
        {
            Interlocked.Decrement(ref _inFlight);
            throw;
        }

        if (!entered)
        {
            Interlocked.Decrement(ref _inFlight);
            throw new HashingCapacityExceededException();
        }

        return new Slot(this);
    }

    private void Leave()
    {
        _slots.Release();
        Interlocked.Decrement(ref _inFlight);
    }

    public void Dispose() => _slots.Dispose();

    internal readonly struct Slot(HashingGate gate) : IDisposable
    {
        public void Dispose() => gate.Leave();
    }
}

/// <summary>Too many password hashes are queued; the host answers 503 with Retry-After.</summary>
internal sealed class HashingCapacityExceededException() : Exception("Password hashing is at capacity.");
