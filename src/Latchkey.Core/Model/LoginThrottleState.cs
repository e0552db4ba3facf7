namespace Latchkey.Core.Model;

/// <summary>Consecutive failed logins for one normalised login string, whether or not a user has that login.</summary>
internal sealed class LoginThrottleState
{
    /// <summary>
    /// SHA-256 of the normalised login, never the login itself: a login that matches no user is often a password
    /// typed into the wrong field, and this table keeps every login anyone tried.
    /// </summary>
    public required string LoginDigest { get; set; }

    /// <summary>Failures, counting the attempts still being verified (<see cref="Pending"/>) as failed until they end.</summary>
    public int Failures { get; set; }

    /// <summary>Attempts counted and not yet ended: their outcome is still open.</summary>
    public int Pending { get; set; }

    /// <summary>No attempt is verified before this instant.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>When the last attempt was counted; pending attempts older than a verification can take are abandoned.</summary>
    public DateTimeOffset LastAttemptAt { get; set; }
}

/// <summary>
/// A login's failed-sign-in state as an admin sees it: consecutive <paramref name="Failures"/>, whether they have
/// <paramref name="Locked"/> it (until an unlock), and until when a delay holds its next attempt back (null: none now).
/// </summary>
internal readonly record struct LoginLockState(int Failures, bool Locked, DateTimeOffset? DelayedUntil)
{
    public static LoginLockState None => default;
}
