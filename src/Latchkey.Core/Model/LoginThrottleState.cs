namespace Latchkey.Core.Model;

/// <summary>Consecutive failed logins for one normalised login string, whether or not a user has that login.</summary>
internal sealed class LoginThrottleState
{
    /// <summary>
    /// SHA-256 of the normalised login, never the login itself: a login that matches no user is often a password
    /// typed into the wrong field, and this table keeps every login anyone tried.
    /// </summary>
    public required string LoginDigest { get; set; }

    public int Failures { get; set; }

    /// <summary>
    /// The attempt that last changed the counter. A success resets, and a refused attempt takes back, only its own
    /// count: never a failure counted by another attempt in the meantime.
    /// </summary>
    public Guid LastAttemptId { get; set; }

    /// <summary>No attempt is verified before this instant.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }
}
