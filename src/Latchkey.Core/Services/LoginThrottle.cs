using System.Security.Cryptography;
using System.Text;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>
/// Progressive delays and a hard lock per login (NIST SP 800-63B-4 §3.2.2). An attempt is counted as a failure
/// <em>before</em> the password is verified, by a compare-and-set in the database: a concurrent burst cannot slip
/// more verifications past the limit than it allows (Keycloak's CVE-2024-4629 was that race). While its outcome is
/// open the attempt is also counted as pending: an attempt that the rule would refuse only because others are still
/// being verified waits for them instead, so concurrent logins with the right password are never refused for each
/// other (a success ends the run of failures).
/// </summary>
internal sealed class LoginThrottle(
    ILoginThrottleStore store, LoginThrottleSignals signals, TimeProvider time, IOptions<LatchkeyLockoutOptions> options)
{
    /// <summary>
    /// Longer than any verification takes (the hashing queue's timeout plus one hash): pending attempts older than this
    /// belong to an instance that stopped mid-way and are no longer waited for; they stay counted as failures.
    /// </summary>
    internal static readonly TimeSpan AbandonedAfter = TimeSpan.FromSeconds(30);

    /// <summary>How long an attempt waits for the attempts ahead of it before it is answered 429.</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    // Note: other instances' attempts end without a local signal; waiting attempts look again this often.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly LatchkeyLockoutOptions _options = options.Value;
    private readonly byte[]? _digestKey = options.Value.LoginDigestKey is { Length: > 0 } key ? Convert.FromBase64String(key) : null;

    /// <summary>
    /// Counts an attempt before its password is verified, or says why it may not be verified now. Dispose the attempt
    /// after verifying: one that never reported its outcome is taken back as unverified.
    /// </summary>
    public async Task<LoginAttempt> BeginAttemptAsync(string normalizedLogin, CancellationToken cancellationToken)
    {
        var key = Digest(normalizedLogin);
        var deadline = time.GetUtcNow() + MaxWait;
        while (true)
        {
            // Note: listen before reading, so an attempt that ends between the read and the wait still wakes this one.
            var ended = signals.Listen();
            var now = time.GetUtcNow();
            var state = await store.FindAsync(key, cancellationToken);
            var pending = state is null || state.LastAttemptAt + AbandonedAfter < now ? 0 : state.Pending;
            var failures = state?.Failures ?? 0;
            var refusal = failures >= _options.MaxFailures ? LoginAttempt.Locked
                : state is not null && now < state.NextAttemptAt ? LoginAttempt.WaitFor(state.NextAttemptAt - now)
                : null;
            if (refusal is null)
            {
                if (await store.TryBeginAttemptAsync(key, state, pending + 1, now + _options.DelayAfter(failures + 1), now, cancellationToken))
                {
                    return new LoginAttempt(this, key);
                }

                continue;
            }

            // Note: refused only because attempts still in flight count as failures: if they succeed, the run ends
            // and this one may go ahead. Wait for them rather than refuse what may be the right password.
            if (pending == 0)
            {
                return refusal;
            }

            if (now >= deadline)
            {
                return LoginAttempt.WaitFor(_options.BaseDelay);
            }

            await Task.WhenAny(ended, Task.Delay(PollInterval, time, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Whether the login has reached <see cref="LatchkeyLockoutOptions.MaxFailures"/> (locked until an admin unlocks it).</summary>
    public async Task<bool> IsLockedAsync(string normalizedLogin, CancellationToken cancellationToken) =>
        (await store.FindAsync(Digest(normalizedLogin), cancellationToken))?.Failures >= _options.MaxFailures;

    /// <summary>An admin's unlock: forgets every failure of the login.</summary>
    public Task UnlockAsync(string normalizedLogin, CancellationToken cancellationToken) =>
        store.ResetAsync(Digest(normalizedLogin), cancellationToken);

    /// <summary>
    /// Forgets short runs of failures (fewer than <see cref="LatchkeyLockoutOptions.FreeAttempts"/>) that have been quiet
    /// for <see cref="LatchkeyLockoutOptions.ForgetAfter"/>, so that spraying many logins does not grow the table
    /// for ever. Longer runs are kept until a success or an unlock: NIST counts <em>consecutive</em> failures.
    /// </summary>
    public Task<int> ForgetStaleAsync(int batchSize, CancellationToken cancellationToken) =>
        store.DeleteStaleAsync(time.GetUtcNow() - _options.ForgetAfter, _options.FreeAttempts, batchSize, cancellationToken);

    internal async Task EndAsync(string key, LoginAttemptOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            await (outcome switch
            {
                LoginAttemptOutcome.Failed => store.EndFailedAsync(key, cancellationToken),
                LoginAttemptOutcome.Succeeded => store.EndSucceededAsync(key, time.GetUtcNow(), cancellationToken),
                _ => store.EndUnverifiedAsync(key, _options.FreeAttempts, time.GetUtcNow(), cancellationToken),
            });
        }
        finally
        {
            signals.Signal();
        }
    }

    /// <summary>
    /// HMAC-SHA-256 under <see cref="LatchkeyLockoutOptions.LoginDigestKey"/> when one is configured, so a copy of the
    /// database alone does not allow guessing which strings were tried; plain SHA-256 otherwise.
    /// </summary>
    private string Digest(string normalizedLogin)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(normalizedLogin);
        if (_digestKey is null)
        {
            SHA256.HashData(bytes, digest);
        }
        else
        {
            HMACSHA256.HashData(_digestKey, bytes, digest);
        }

        return Convert.ToBase64String(digest);
    }
}

internal enum ThrottleOutcome
{
    Proceed,
    Wait,
    Locked,
}

internal enum LoginAttemptOutcome
{
    Unverified,
    Failed,
    Succeeded,
}

/// <summary>
/// One counted attempt at a login's password, or the reason none may be made now. Report its outcome; disposing one
/// that reported none (an exception, a client that left, a server too busy to hash) takes its count back.
/// </summary>
internal sealed class LoginAttempt : IAsyncDisposable
{
    public static readonly LoginAttempt Locked = new(ThrottleOutcome.Locked, TimeSpan.Zero);

    private readonly LoginThrottle? _throttle;
    private readonly string? _key;
    private bool _ended;

    public LoginAttempt(LoginThrottle throttle, string key)
    {
        _throttle = throttle;
        _key = key;
        Outcome = ThrottleOutcome.Proceed;
    }

    private LoginAttempt(ThrottleOutcome outcome, TimeSpan retryAfter)
    {
        Outcome = outcome;
        RetryAfter = retryAfter;
        _ended = true;
    }

    public ThrottleOutcome Outcome { get; }

    public TimeSpan RetryAfter { get; }

    public static LoginAttempt WaitFor(TimeSpan retryAfter) => new(ThrottleOutcome.Wait, retryAfter);

    public Task FailedAsync(CancellationToken cancellationToken) => EndAsync(LoginAttemptOutcome.Failed, cancellationToken);

    public Task SucceededAsync(CancellationToken cancellationToken) => EndAsync(LoginAttemptOutcome.Succeeded, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (!_ended)
        {
            try
            {
                await EndAsync(LoginAttemptOutcome.Unverified, CancellationToken.None);
            }
            catch (Exception)
            {
                // Note: storage failed on the way out (the request already answers for that); the pending mark is
                // abandoned after LoginThrottle.AbandonedAfter and the count errs towards one failure too many.
            }
        }
    }

    private Task EndAsync(LoginAttemptOutcome outcome, CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return Task.CompletedTask;
        }

        _ended = true;
        return _throttle!.EndAsync(_key!, outcome, cancellationToken);
    }
}

/// <summary>
/// Wakes the attempts of this instance that wait on a login when any attempt ends; they look again and wait again if
/// it was not theirs. Waiting is rare (concurrent attempts at one login), so one signal for all keeps it simple and
/// leaves nothing behind per login. Attempts on other instances are seen by polling.
/// </summary>
internal sealed class LoginThrottleSignals
{
    private TaskCompletionSource _ended = New();

    public Task Listen() => Volatile.Read(ref _ended).Task;

    public void Signal() => Interlocked.Exchange(ref _ended, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
