namespace Latchkey.Core.Services;

/// <summary>
/// One counted attempt at a login's password, or the reason none may be made now. Report its outcome; disposing one
/// that reported none (an exception, a client that left, a server too busy to hash) takes its count back.
/// </summary>
internal sealed class LoginAttempt : IAsyncDisposable
{
    public static readonly LoginAttempt Locked = new(ThrottleOutcome.Locked, TimeSpan.Zero);

    private readonly LoginThrottle? _throttle;
    private readonly string? _key;
    private readonly string? _login;
    private bool _ended;

    // Note: a success recorded inside the caller's transaction (SucceededWithinAsync), not yet known to be committed.
    private bool _uncommittedSuccess;

    public LoginAttempt(LoginThrottle throttle, string key, string normalizedLogin, TimeSpan delayIfFailed = default)
    {
        _throttle = throttle;
        _key = key;
        _login = normalizedLogin;
        Outcome = ThrottleOutcome.Proceed;
        DelayIfFailed = delayIfFailed;
    }

    private LoginAttempt(ThrottleOutcome outcome, TimeSpan retryAfter)
    {
        Outcome = outcome;
        RetryAfter = retryAfter;
        _ended = true;
    }

    public ThrottleOutcome Outcome { get; }

    public TimeSpan RetryAfter { get; }

    /// <summary>
    /// How long the login is held back if this attempt fails (zero while free attempts remain, and for the failure that
    /// locks it): a refused login says so at once, so a sign-in page can count down instead of being answered 429 next.
    /// </summary>
    public TimeSpan DelayIfFailed { get; }

    public static LoginAttempt WaitFor(TimeSpan retryAfter) => new(ThrottleOutcome.Wait, retryAfter);

    // Note: no cancellation token: the verification has been done, so its outcome is recorded even when the client has
    // gone meanwhile. Ended with the request's token, a client that left mid-hash left its attempt pending until it was
    // abandoned (30 s), and every other attempt at that login waited on it.
    public Task FailedAsync() => EndAsync(LoginAttemptOutcome.Failed);

    public Task SucceededAsync() => EndAsync(LoginAttemptOutcome.Succeeded);

    /// <summary>
    /// Records the success in the transaction the caller has open (the login's session and audit entries), so that a
    /// login commits once; call <see cref="CommittingAsync"/> around its commit. Note: the waiters are woken only after
    /// the commit: woken before it, they would read the counter as it was and wait again.
    /// </summary>
    public Task SucceededWithinAsync()
    {
        if (_ended)
        {
            return Task.CompletedTask;
        }

        _ended = true;
        _uncommittedSuccess = true;
        return _throttle!.RecordSucceededAsync(_key!);
    }

    /// <summary>
    /// Commits the caller's transaction that holds this attempt's success (<paramref name="commit"/>), then wakes the
    /// attempts waiting on the login.
    /// </summary>
    /// <remarks>
    /// Note: a commit that throws may have committed all the same, so the success is not taken back then: if it did
    /// not commit, the attempt stays counted as a failure in flight until it is abandoned (the safe side: one failure
    /// too many, never one verification too many).
    /// </remarks>
    public async Task CommittingAsync(Func<Task> commit)
    {
        try
        {
            await commit();
        }
        finally
        {
            _uncommittedSuccess = false;
            _throttle?.Wake();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_uncommittedSuccess)
        {
            // Note: the transaction that held the success was rolled back before its commit was tried (an exception on
            // the way): so was the success, and the attempt, verified or not, is taken back as unverified.
            _uncommittedSuccess = false;
            try
            {
                await _throttle!.EndAsync(_key!, _login!, LoginAttemptOutcome.Unverified);
            }
            catch (Exception)
            {
                // Note: as below: the pending mark is abandoned after LoginThrottle.AbandonedAfter.
            }
        }
        else if (!_ended)
        {
            try
            {
                await EndAsync(LoginAttemptOutcome.Unverified);
            }
            catch (Exception)
            {
                // Note: storage failed on the way out (the request already answers for that); the pending mark is
                // abandoned after LoginThrottle.AbandonedAfter and the count errs towards one failure too many.
            }
        }
    }

    private Task EndAsync(LoginAttemptOutcome outcome)
    {
        if (_ended)
        {
            return Task.CompletedTask;
        }

        _ended = true;
        return _throttle!.EndAsync(_key!, _login!, outcome);
    }
}

/// <summary>Whether an attempt may be verified now.</summary>
internal enum ThrottleOutcome
{
    Proceed,
    Wait,
    Locked,
}

/// <summary>How a counted attempt ended.</summary>
internal enum LoginAttemptOutcome
{
    Unverified,
    Failed,
    Succeeded,
}
