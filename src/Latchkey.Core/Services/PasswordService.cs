using Latchkey.Core.Credentials;

namespace Latchkey.Core.Services;

/// <summary>
/// Every password operation the services need, each through the <see cref="HashingGate"/>: checking a new password
/// against the policy and hashing it, and verifying a presented one. A failed verification is charged to the caller's
/// client (<see cref="IFailedAttemptLimit"/>), whatever the endpoint.
/// </summary>
internal sealed class PasswordService(
    IPasswordHasher hasher, HashingGate hashing, PasswordPolicy policy, IFailedAttemptLimit? failedAttempts = null)
{
    // Note: a composition without a host (a tool) registers no limit; nothing is then limited per client.
    private readonly IFailedAttemptLimit _failures = failedAttempts ?? new NoFailedAttemptLimit();

    /// <summary>
    /// The verifier to store for a new password, or the reason it is refused (reported against <paramref name="field"/>).
    /// </summary>
    /// <remarks><paramref name="minLength"/>: the tenant's policy's minimum (<see cref="Model.TenantPolicy.PasswordMinLength"/>), if any.</remarks>
    public async Task<(string? Verifier, InputError? Error)> CreateVerifierAsync(
        string? password, string normalizedLogin, string? tenantName, string field, CancellationToken cancellationToken, int? minLength = null)
    {
        var normalized = PasswordPolicy.Normalize(password);
        var weakness = normalized is null ? "The password is missing or too long." : policy.Check(normalized, normalizedLogin, tenantName, minLength ?? 0);
        if (weakness is not null)
        {
            return (null, new InputError(field, weakness));
        }

        return (await HashAsync(normalized!, cancellationToken), null);
    }

    public async Task<string> HashAsync(string normalizedPassword, CancellationToken cancellationToken)
    {
        using (await hashing.EnterAsync(cancellationToken))
        {
            return hasher.Hash(normalizedPassword);
        }
    }

    /// <summary>
    /// A hashing slot for a verification still to come against <paramref name="verifier"/> (null: the dummy verifier),
    /// or as many slots as its memory needs (<see cref="IPasswordHasher.SlotsFor"/>). Throws a <see cref="HashingRefusedException"/> when the gate is
    /// full (<see cref="HashingCapacityExceededException"/>) or the caller's client has used up its failures
    /// (<see cref="FailedAttemptsExhaustedException"/>).
    /// </summary>
    public async ValueTask<HashingGate.Slot> ReserveAsync(string? verifier, CancellationToken cancellationToken)
    {
        var slot = await hashing.EnterAsync(verifier is null ? 1 : hasher.SlotsFor(verifier), cancellationToken);

        // Note: asked again with the slot held (the endpoint asked on arrival): requests from one client queued
        // side by side all passed that first check, and only one hash per slot can now run past the allowance.
        TimeSpan? retryAfter;
        try
        {
            retryAfter = await _failures.ExhaustedAsync(cancellationToken);
        }
        catch
        {
            // Note: a shared allowance that cannot be read is not a grant: the storage error answers 503.
            slot.Dispose();
            throw;
        }

        if (retryAfter is { } wait)
        {
            slot.Dispose();
            throw new FailedAttemptsExhaustedException(wait);
        }

        return slot;
    }

    /// <summary>
    /// Verifies, in a reserved slot, against <paramref name="verifier"/> or, when it is null, the dummy verifier. A
    /// failure (wrong password, unknown or locked login, wrong current password) is charged to the client before the
    /// slot is released.
    /// </summary>
    public PasswordVerification Verify(HashingGate.Slot reserved, string? verifier, string normalizedPassword)
    {
        _ = reserved;
        var verification = hasher.Verify(verifier ?? hasher.DummyVerifier, normalizedPassword);
        if (verification == PasswordVerification.Failed)
        {
            _failures.RecordFailure();
        }

        return verification;
    }

    /// <summary>
    /// Computes the dummy verifier through the gate at start-up: the gate gets a first measure of the hash time, and
    /// the first unknown login does not cost two hashes.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        using (await hashing.EnterAsync(cancellationToken))
        {
            _ = hasher.DummyVerifier;
        }
    }
}
