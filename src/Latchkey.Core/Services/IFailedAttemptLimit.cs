namespace Latchkey.Core.Services;

/// <summary>
/// Failed password checks counted per client across every login (the host decides what a client is: an address, an
/// IPv6 /64), so one client spraying guesses at many accounts is stopped even though each account sees only a few.
/// Successful checks are not counted. Core knows nothing of HTTP; without a host nothing is limited.
/// </summary>
internal interface IFailedAttemptLimit
{
    /// <summary>
    /// Whether the current caller has used up its allowance of failures; if so, how long until it may try again.
    /// Asked once a hashing slot is held, so that at most one hash per slot runs past an exhausted allowance.
    /// </summary>
    bool IsExhausted(out TimeSpan retryAfter);

    /// <summary>
    /// As <see cref="IsExhausted"/>, and where instances share the allowance, asking the shared counter: null while the
    /// caller may go on, else how long until it may try again. Asked once a hashing slot is held.
    /// </summary>
    ValueTask<TimeSpan?> ExhaustedAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<TimeSpan?>(IsExhausted(out var retryAfter) ? retryAfter : null);

    /// <summary>Charges the current caller one failed password check.</summary>
    void RecordFailure();
}

/// <summary>No client, no limit: Core used outside a host (tools, tests of the services alone).</summary>
internal sealed class NoFailedAttemptLimit : IFailedAttemptLimit
{
    public bool IsExhausted(out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        return false;
    }

    public void RecordFailure()
    {
    }
}
