using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Services;

/// <summary>What checking one presented factor came to.</summary>
internal enum CheckOutcome
{
    Passed,
    Failed,

    /// <summary>The login is in its delay after repeated failures: not checked, not counted.</summary>
    Throttled,
}

internal readonly record struct FactorCheck(CheckOutcome Outcome, TimeSpan RetryAfter = default)
{
    public bool Passed => Outcome == CheckOutcome.Passed;
}

/// <summary>
/// Checks a known person's password, TOTP code or recovery code, each through the login's per-login throttle
/// (<see cref="LoginThrottle"/>): a guess at a second factor costs what a guess at the password costs, wherever it is
/// made (the login's second step, enrolment, removal, re-authentication).
/// </summary>
internal sealed class FactorChecks(
    ISecondFactorStore factors, PasswordService passwords, LoginThrottle throttle, TimeProvider time,
    ISecretProtector? protector = null, IFailedAttemptLimit? failedAttempts = null)
{
    private readonly IFailedAttemptLimit _failures = failedAttempts ?? new NoFailedAttemptLimit();

    public ISecretProtector Protector => protector
        ?? throw new InvalidOperationException("Second factors need an ISecretProtector; AddLatchkey registers one over ASP.NET Core Data Protection.");

    public async Task<FactorCheck> PasswordAsync(User user, string? password, CancellationToken cancellationToken)
    {
        var presented = PasswordPolicy.Normalize(password);
        await using var attempt = await throttle.BeginAttemptAsync(user.Login, cancellationToken);
        if (attempt.Outcome == ThrottleOutcome.Wait)
        {
            return new(CheckOutcome.Throttled, attempt.RetryAfter);
        }

        var verification = PasswordVerification.Failed;
        var locked = attempt.Outcome == ThrottleOutcome.Locked;
        // Note: locked or missing, the password is not checked; a dummy hash keeps the cost the same.
        var verifier = locked || string.IsNullOrEmpty(presented) ? null : user.SecretVerifier;
        using (var slot = await passwords.ReserveAsync(verifier, cancellationToken))
        {
            verification = passwords.Verify(slot, verifier, presented ?? "");
        }

        if (locked || string.IsNullOrEmpty(presented) || verification == PasswordVerification.Failed)
        {
            await attempt.FailedAsync();
            return new(CheckOutcome.Failed);
        }

        await attempt.SucceededAsync();
        return new(CheckOutcome.Passed);
    }

    /// <summary>
    /// A code of the person's confirmed TOTP factor: right within one step, and of a later step than any code accepted
    /// before (the step moves forward in the database, so a code is good once, across instances).
    /// </summary>
    public Task<FactorCheck> TotpAsync(User user, TotpFactor factor, string? code, CancellationToken cancellationToken) =>
        ThrottledAsync(user, async () =>
            MatchStep(factor, code) is { } step && (factor.LastStep is not { } last || step > last)
            && await factors.AcceptTotpStepAsync(user.Id, step, cancellationToken), cancellationToken);

    /// <summary>A code of a pending factor, which confirms it; the step accepted is returned for the replay guard.</summary>
    public async Task<(FactorCheck Check, long Step)> PendingTotpAsync(User user, TotpFactor pending, string? code, CancellationToken cancellationToken)
    {
        long matched = 0;
        var check = await ThrottledAsync(user, () =>
        {
            var step = MatchStep(pending, code);
            matched = step ?? 0;
            return Task.FromResult(step is not null);
        }, cancellationToken);
        return (check, matched);
    }

    /// <summary>One of the person's recovery codes, used up by this check.</summary>
    public Task<FactorCheck> RecoveryCodeAsync(User user, string? code, CancellationToken cancellationToken) =>
        ThrottledAsync(user, async () =>
            RecoveryCodes.Digest(user.Id, code) is { } digest && await factors.UseRecoveryCodeAsync(user.Id, digest, cancellationToken),
            cancellationToken);

    private long? MatchStep(TotpFactor factor, string? code) =>
        Protector.TryUnprotect(factor.ProtectedSecret, out var secret) ? TotpCodes.MatchStep(secret, code, time.GetUtcNow()) : null;

    private async Task<FactorCheck> ThrottledAsync(User user, Func<Task<bool>> verify, CancellationToken cancellationToken)
    {
        await using var attempt = await throttle.BeginAttemptAsync(user.Login, cancellationToken);
        if (attempt.Outcome == ThrottleOutcome.Wait)
        {
            return new(CheckOutcome.Throttled, attempt.RetryAfter);
        }

        // Note: a locked login's code is not looked at: whatever it is, it answers like a wrong one.
        if (attempt.Outcome == ThrottleOutcome.Locked || !await verify())
        {
            _failures.RecordFailure();
            await attempt.FailedAsync();
            return new(CheckOutcome.Failed);
        }

        await attempt.SucceededAsync();
        return new(CheckOutcome.Passed);
    }
}
