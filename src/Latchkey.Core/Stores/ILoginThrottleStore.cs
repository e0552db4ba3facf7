using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>Failure counters per login, shared by every instance through the database.</summary>
internal interface ILoginThrottleStore
{
    Task<LoginThrottleState?> FindAsync(string loginDigest, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one attempt if the counter still holds <paramref name="seenFailures"/> (0: no row yet), as one atomic
    /// compare-and-set; false when a concurrent attempt got there first.
    /// </summary>
    Task<bool> TryCountAttemptAsync(
        string loginDigest, int seenFailures, DateTimeOffset nextAttemptAt, Guid attemptId, CancellationToken cancellationToken);

    /// <summary>
    /// Puts the counter back to <paramref name="previousFailures"/> (no row when 0) if <paramref name="attemptId"/> was
    /// the last to count; false when another attempt was counted since.
    /// </summary>
    Task<bool> TryUncountAttemptAsync(
        string loginDigest, Guid attemptId, int previousFailures, DateTimeOffset? previousNextAttemptAt, CancellationToken cancellationToken);

    /// <summary>Forgets the failures of one login if <paramref name="attemptId"/> was the last to count; null: whatever counted.</summary>
    Task ResetAsync(string loginDigest, Guid? attemptId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> counters below <paramref name="belowFailures"/> whose next attempt
    /// was allowed before <paramref name="before"/>; returns how many.
    /// </summary>
    Task<int> DeleteStaleAsync(DateTimeOffset before, int belowFailures, int batchSize, CancellationToken cancellationToken);
}
