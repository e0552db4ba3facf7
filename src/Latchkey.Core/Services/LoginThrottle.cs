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
/// <remarks>
/// Note: every instant that the counter holds or is compared with comes from <see cref="IDatabaseClock"/>: on
/// PostgreSQL the server's clock, so that an instance whose clock runs ahead cannot skip a delay (nor one running behind
/// stamp delays that others would skip); on SQLite the process clock of the one machine. Only this instance's own
/// waiting is timed by its <see cref="TimeProvider"/>.
/// </remarks>
internal sealed class LoginThrottle(
    ILoginThrottleStore store, LoginThrottleSignals signals, TimeProvider time, IDatabaseClock clock,
    IOptions<LatchkeyLockoutOptions> options, IUnitOfWork work, IUserStore users, Email.SecurityNotices notices)
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

        // Note: an attempt that arrives while others wait on this login queues behind them (when the line has room):
        // otherwise each new arrival races the waiters for every freed turn, and a waiter that keeps losing is served
        // last, however early it came. The order decides only who looks at the counter first; whether an attempt may
        // be verified is still decided by the counter's compare-and-set below, whatever the order.
        var place = signals.AnyWaiting(key) ? signals.TryStartWaiting(key) : null;
        try
        {
            while (true)
            {
                // Note: listen before reading, so an attempt that ends between the read and the wait still wakes this one.
                var ended = signals.Listen();
                if (place is not null && !signals.IsFirst(place))
                {
                    // Note: not this attempt's turn: the one ahead reads the counter and wakes the line when it leaves.
                    if (time.GetUtcNow() >= deadline)
                    {
                        return LoginAttempt.WaitFor(_options.BaseDelay);
                    }

                    await Task.WhenAny(ended, Task.Delay(PollInterval, time, cancellationToken));
                    cancellationToken.ThrowIfCancellationRequested();
                    continue;
                }

                // Note: the instant after the row, so that no stamp in it is later than the now it is judged by.
                var state = await store.FindAsync(key, cancellationToken);
                var now = await NowAsync(cancellationToken);
                var pending = state is null || state.LastAttemptAt + AbandonedAfter < now ? 0 : state.Pending;
                var failures = state?.Failures ?? 0;
                var refusal = failures >= _options.MaxFailures ? LoginAttempt.Locked
                    : state is not null && now < state.NextAttemptAt ? LoginAttempt.WaitFor(state.NextAttemptAt - now)
                    : null;
                if (refusal is null)
                {
                    if (await store.TryBeginAttemptAsync(key, state, pending + 1, now + _options.DelayAfter(failures + 1), now, cancellationToken))
                    {
                        // Note: the failure that locks the login is followed by no delay worth announcing: the lock
                        // answers every later attempt like a wrong password, whenever it comes.
                        var delay = failures + 1 >= _options.MaxFailures ? TimeSpan.Zero : _options.DelayAfter(failures + 1);
                        return new LoginAttempt(this, key, normalizedLogin, delay);
                    }

                    continue;
                }

                // Note: refused only because attempts still in flight count as failures: if they succeed, the run ends
                // and this one may go ahead. Wait for them rather than refuse what may be the right password.
                if (pending == 0)
                {
                    return refusal;
                }

                // Note: a few waiters per login are enough for its owner's concurrent logins; without a bound, anyone
                // who knows a login could park any number of requests here, each polling the database, at no cost.
                if (place is null && (place = signals.TryStartWaiting(key)) is null)
                {
                    return LoginAttempt.WaitFor(_options.BaseDelay);
                }

                if (time.GetUtcNow() >= deadline)
                {
                    return LoginAttempt.WaitFor(_options.BaseDelay);
                }

                // Note: first in line, it has just read the counter; it waits until it must be read again.
                if (!signals.IsFirst(place))
                {
                    continue;
                }

                await Task.WhenAny(ended, Task.Delay(PollInterval, time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            if (place is not null)
            {
                signals.StopWaiting(place);
            }
        }
    }

    /// <summary>Whether the login has reached <see cref="LatchkeyLockoutOptions.MaxFailures"/> (locked until an admin unlocks it).</summary>
    public async Task<bool> IsLockedAsync(string normalizedLogin, CancellationToken cancellationToken) =>
        (await store.FindAsync(Digest(normalizedLogin), cancellationToken))?.Failures >= _options.MaxFailures;

    /// <summary>
    /// The failed-login state of each of <paramref name="normalizedLogins"/> that has one (an admin's list of users),
    /// keyed by login; a login without failures is absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, LoginLockState>> DescribeAsync(
        IReadOnlyCollection<string> normalizedLogins, CancellationToken cancellationToken)
    {
        var byDigest = normalizedLogins.Distinct(StringComparer.Ordinal).ToDictionary(Digest, l => l, StringComparer.Ordinal);
        if (byDigest.Count == 0)
        {
            return new Dictionary<string, LoginLockState>();
        }

        var states = await store.FindManyAsync(byDigest.Keys, cancellationToken);
        var now = await NowAsync(cancellationToken);
        return states.ToDictionary(s => byDigest[s.LoginDigest], s =>
        {
            var locked = s.Failures >= _options.MaxFailures;
            return new LoginLockState(s.Failures, locked, !locked && now < s.NextAttemptAt ? s.NextAttemptAt : null);
        }, StringComparer.Ordinal);
    }

    /// <summary>An admin's unlock: forgets every failure of the login.</summary>
    public Task UnlockAsync(string normalizedLogin, CancellationToken cancellationToken) =>
        store.ResetAsync(Digest(normalizedLogin), cancellationToken);

    /// <summary>
    /// Forgets short runs of failures (fewer than <see cref="LatchkeyLockoutOptions.FreeAttempts"/>) that have been quiet
    /// for <see cref="LatchkeyLockoutOptions.ForgetAfter"/>, so that spraying many logins does not grow the table
    /// for ever. Longer runs are kept until a success or an unlock: NIST counts <em>consecutive</em> failures.
    /// </summary>
    public async Task<int> ForgetStaleAsync(int batchSize, CancellationToken cancellationToken) =>
        await store.DeleteStaleAsync(await NowAsync(cancellationToken) - _options.ForgetAfter, _options.FreeAttempts, batchSize, cancellationToken);

    /// <summary>
    /// Records how an attempt ended. Note: never cancelled by the request: an attempt left pending because its client
    /// went away would hold up every other attempt at the login until it is abandoned.
    /// </summary>
    internal async Task EndAsync(string key, string normalizedLogin, LoginAttemptOutcome outcome)
    {
        try
        {
            await (outcome switch
            {
                LoginAttemptOutcome.Failed => EndFailedAsync(key, normalizedLogin),
                LoginAttemptOutcome.Succeeded => store.EndSucceededAsync(key, await NowAsync(CancellationToken.None), CancellationToken.None),
                _ => store.EndUnverifiedAsync(key, _options.FreeAttempts, await NowAsync(CancellationToken.None), CancellationToken.None),
            });
        }
        finally
        {
            signals.Signal();
        }
    }

    /// <summary>
    /// Records a success in the caller's open transaction, without waking the waiters (<see cref="Wake"/> after the
    /// commit). Note: never cancelled by the request, as <see cref="EndAsync"/>.
    /// </summary>
    internal async Task RecordSucceededAsync(string key) =>
        await store.EndSucceededAsync(key, await NowAsync(CancellationToken.None), CancellationToken.None);

    /// <summary>Wakes the attempts of this instance that wait on a login, after an attempt's end has committed.</summary>
    internal void Wake() => signals.Signal();

    /// <summary>
    /// A failed attempt ends; when it is the one that locks the login, the "account locked" notice is queued in the same
    /// transaction (<see cref="Email.SecurityNotices.AccountLockedAsync"/>: only a person with a verified address gets it).
    /// </summary>
    /// <remarks>
    /// Note: the lock begins with the failure that leaves no attempt in flight at <see cref="LatchkeyLockoutOptions.MaxFailures"/>
    /// failures: one statement sees that, so it is seen once per lock whatever the concurrency (no later attempt can
    /// begin on a locked login until an unlock deletes the counter). Every failure runs in a transaction, whatever the
    /// login, so until the lock a failure costs the same for every login.
    /// </remarks>
    private async Task EndFailedAsync(string key, string normalizedLogin)
    {
        var locked = false;
        await using (var transaction = await work.BeginAsync(CancellationToken.None))
        {
            if (await store.EndFailedAsync(key, _options.MaxFailures, CancellationToken.None)
                && await users.FindByLoginAsync(normalizedLogin, CancellationToken.None) is { } user)
            {
                await notices.AccountLockedAsync(user, null, CancellationToken.None);
                locked = true;
            }

            await transaction.CommitAsync(CancellationToken.None);
        }

        if (locked)
        {
            notices.Wake();
        }
    }

    private async ValueTask<DateTimeOffset> NowAsync(CancellationToken cancellationToken) =>
        await clock.NowAsync(cancellationToken) ?? time.GetUtcNow();

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
