namespace Latchkey.Core.Model;

/// <summary>Consecutive failed logins for one normalised login string, whether or not a user has that login.</summary>
internal sealed class LoginThrottleState
{
    public required string Login { get; set; }

    public int Failures { get; set; }

    /// <summary>No attempt is verified before this instant.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }
}
