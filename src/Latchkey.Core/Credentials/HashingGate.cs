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
    private int _waiting;

    /// <summary>Waits for a slot; throws <see cref="HashingCapacityExceededException"/> when the queue is full or the wait too long.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _waiting) > _options.QueueLimit + _options.MaxConcurrency)
        {
            Interlocked.Decrement(ref _waiting);
            throw new HashingCapacityExceededException();
        }

        try
        {
            if (!await _slots.WaitAsync(_options.QueueTimeout, cancellationToken))
            {
                throw new HashingCapacityExceededException();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    internal readonly struct Slot(SemaphoreSlim slots) : IDisposable
    {
        public void Dispose() => slots.Release();
    }
}

/// <summary>Too many password hashes are queued; the host answers 503 with Retry-After.</summary>
internal sealed class HashingCapacityExceededException() : Exception("Password hashing is at capacity.");
