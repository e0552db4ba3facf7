using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Credentials;

/// <summary>
/// The wait of a process that cannot hear the other instances acknowledge a credential change (the <c>latchkey</c>
/// tool, or an instance whose change feed is down): the change holds everywhere once the longest lease of any instance
/// has passed since it committed, since an instance that has not seen it by then no longer trusts its cache. The feed
/// says which lease that is (its own, or a longer one other instances published).
/// </summary>
/// <remarks>
/// A composition that makes many changes in a row (the tool's <c>sessions revoke --all</c>, one transaction per
/// tenant) sets <see cref="Deferred"/>: each change then returns at once, and <see cref="SettleAsync"/> waits once,
/// for the last of them, before the process reports that it is done.
/// </remarks>
internal sealed class UnheardChangeWaits(IOptions<LatchkeyCredentialCacheOptions> options)
{
    private readonly TimeSpan _lease = options.Value.Lease;
    private long _settledAt;

    public bool Deferred { get; set; }

    /// <summary>
    /// After a change committed: <paramref name="lease"/> (the longest any instance may trust its cache; at least this
    /// process's own), or nothing now when <see cref="Deferred"/>.
    /// </summary>
    public Task WaitAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        lease = lease > _lease ? lease : _lease;
        var settledAt = Stopwatch.GetTimestamp() + (long)(lease.TotalSeconds * Stopwatch.Frequency);
        var current = Volatile.Read(ref _settledAt);
        while (settledAt > current)
        {
            var seen = Interlocked.CompareExchange(ref _settledAt, settledAt, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        return Deferred ? Task.CompletedTask : Task.Delay(lease, cancellationToken);
    }

    /// <summary>Returns once every change made so far holds on every instance.</summary>
    public Task SettleAsync(CancellationToken cancellationToken)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Volatile.Read(ref _settledAt));
        return remaining > TimeSpan.Zero ? Task.Delay(remaining, cancellationToken) : Task.CompletedTask;
    }
}
