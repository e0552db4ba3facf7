using System.Security.Cryptography;
using System.Text;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>
/// Progressive delays and a hard lock per login (NIST SP 800-63B-4 §3.2.2). An attempt is counted as a failure
/// <em>before</em> the password is verified, by a compare-and-set in the database: a concurrent burst cannot slip
/// more verifications past the limit than it allows (Keycloak's CVE-2024-4629 was that race).
/// </summary>
internal sealed class LoginThrottle(ILoginThrottleStore store, TimeProvider time, IOptions<LatchkeyLockoutOptions> options)
{
    private const int CompareAndSetRetries = 8;

    private readonly LatchkeyLockoutOptions _options = options.Value;
    private readonly byte[]? _digestKey = options.Value.LoginDigestKey is { Length: > 0 } key ? Convert.FromBase64String(key) : null;

    public async Task<ThrottleDecision> BeginAttemptAsync(string normalizedLogin, CancellationToken cancellationToken)
    {
        var key = Digest(normalizedLogin);
        for (var i = 0; i < CompareAndSetRetries; i++)
        {
            var now = time.GetUtcNow();
            var state = await store.FindAsync(key, cancellationToken);
            var failures = state?.Failures ?? 0;
            if (failures >= _options.MaxFailures)
            {
                return ThrottleDecision.Locked;
            }

            if (state is not null && now < state.NextAttemptAt)
            {
                return ThrottleDecision.WaitFor(state.NextAttemptAt - now);
            }

            var attemptId = Guid.NewGuid();
            if (await store.TryCountAttemptAsync(key, failures, now + _options.DelayAfter(failures + 1), attemptId, cancellationToken))
            {
                return ThrottleDecision.Proceed(new CountedAttempt(key, attemptId, failures, state?.NextAttemptAt));
            }
        }

        // Note: only a heavy concurrent burst on one login gets here; it is throttled like any other.
        return ThrottleDecision.WaitFor(_options.BaseDelay);
    }

    /// <summary>
    /// Takes back an attempt that was counted but never verified (the server was too busy to hash), so an overload
    /// does not push real users into delays. Only if no other attempt was counted since: the count errs on the side
    /// of one failure too many, never of one too few.
    /// </summary>
    public Task UncountAsync(ThrottleDecision decision, CancellationToken cancellationToken) =>
        decision.Counted is { } counted
            ? store.TryUncountAttemptAsync(
                counted.LoginDigest, counted.AttemptId, counted.PreviousFailures, counted.PreviousNextAttemptAt, cancellationToken)
            : Task.CompletedTask;

    /// <summary>
    /// A verified password ends the run of failures, unless another attempt was counted while it was being verified
    /// (that one's outcome is still open; the next success resets).
    /// </summary>
    public Task SucceededAsync(ThrottleDecision decision, CancellationToken cancellationToken) =>
        decision.Counted is { } counted
            ? store.ResetAsync(counted.LoginDigest, counted.AttemptId, cancellationToken)
            : Task.CompletedTask;

    /// <summary>An admin's unlock: forgets every failure of the login.</summary>
    public Task UnlockAsync(string normalizedLogin, CancellationToken cancellationToken) =>
        store.ResetAsync(Digest(normalizedLogin), null, cancellationToken);

    /// <summary>
    /// Forgets short runs of failures (fewer than <see cref="LatchkeyLockoutOptions.FreeAttempts"/>) that have been quiet
    /// for <see cref="LatchkeyLockoutOptions.ForgetAfter"/>, so that spraying many logins does not grow the table
    /// for ever. Longer runs are kept until a success or an unlock: NIST counts <em>consecutive</em> failures.
    /// </summary>
    public Task<int> ForgetStaleAsync(int batchSize, CancellationToken cancellationToken) =>
        store.DeleteStaleAsync(time.GetUtcNow() - _options.ForgetAfter, _options.FreeAttempts, batchSize, cancellationToken);

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

internal readonly record struct ThrottleDecision(ThrottleOutcome Outcome, TimeSpan RetryAfter, CountedAttempt? Counted)
{
    public static ThrottleDecision Locked => new(ThrottleOutcome.Locked, TimeSpan.Zero, null);

    public static ThrottleDecision Proceed(CountedAttempt counted) => new(ThrottleOutcome.Proceed, TimeSpan.Zero, counted);

    public static ThrottleDecision WaitFor(TimeSpan retryAfter) => new(ThrottleOutcome.Wait, retryAfter, null);
}

/// <summary>What the counter held before this attempt was counted, so that it can be taken back.</summary>
internal sealed record CountedAttempt(string LoginDigest, Guid AttemptId, int PreviousFailures, DateTimeOffset? PreviousNextAttemptAt);
