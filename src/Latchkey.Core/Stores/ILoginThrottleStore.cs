using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>Failure counters per login, shared by every instance through the database.</summary>
internal interface ILoginThrottleStore
{
    Task<LoginThrottleState?> FindAsync(string login, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one attempt if the counter still holds <paramref name="seenFailures"/> (0: no row yet), as one atomic
    /// compare-and-set; false when a concurrent attempt got there first.
    /// </summary>
    Task<bool> TryCountAttemptAsync(string login, int seenFailures, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken);

    /// <summary>Forgets the failures of <paramref name="login"/>: after a success, or an admin's unlock.</summary>
    Task ResetAsync(string login, CancellationToken cancellationToken);
}
