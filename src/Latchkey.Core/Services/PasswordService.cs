using Latchkey.Core.Credentials;

namespace Latchkey.Core.Services;

/// <summary>
/// Every password operation the services need, each through the <see cref="HashingGate"/>: checking a new password
/// against the policy and hashing it, and verifying a presented one.
/// </summary>
internal sealed class PasswordService(IPasswordHasher hasher, HashingGate hashing, PasswordPolicy policy)
{
    /// <summary>
    /// The verifier to store for a new password, or the reason it is refused (reported against <paramref name="field"/>).
    /// </summary>
    public async Task<(string? Verifier, InputError? Error)> CreateVerifierAsync(
        string? password, string normalizedLogin, string? tenantName, string field, CancellationToken cancellationToken)
    {
        var normalized = PasswordPolicy.Normalize(password);
        var weakness = normalized is null ? "The password is missing or too long." : policy.Check(normalized, normalizedLogin, tenantName);
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
    /// A hashing slot for a verification still to come, so the caller can count the attempt only once it is sure to
    /// be verified. Throws <see cref="HashingCapacityExceededException"/> when the gate is full.
    /// </summary>
    public ValueTask<HashingGate.Slot> ReserveAsync(CancellationToken cancellationToken) => hashing.EnterAsync(cancellationToken);

    /// <summary>Verifies, in a reserved slot, against <paramref name="verifier"/> or, when it is null, the dummy verifier.</summary>
    public PasswordVerification Verify(HashingGate.Slot reserved, string? verifier, string normalizedPassword)
    {
        _ = reserved;
        return hasher.Verify(verifier ?? hasher.DummyVerifier, normalizedPassword);
    }
}
