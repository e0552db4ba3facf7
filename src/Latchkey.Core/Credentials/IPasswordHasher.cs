namespace Latchkey.Core.Credentials;

/// <summary>The one seam for password hashing, so algorithm and parameters change by configuration alone.</summary>
internal interface IPasswordHasher
{
    string Hash(string password);

    PasswordVerification Verify(string verifier, string password);

    /// <summary>
    /// A verifier of a random password at the configured cost. Checking a password against it when the login is
    /// unknown makes every failed login cost one hash, so response time does not reveal which logins exist.
    /// </summary>
    string DummyVerifier { get; }

    /// <summary>
    /// How many hashing slots a verification against <paramref name="verifier"/> takes: one per configured Argon2
    /// memory it needs, so that the gate bounds memory, not a count of hashes. One for Latchkey's own verifiers.
    /// </summary>
    int SlotsFor(string verifier) => 1;
}

internal enum PasswordVerification
{
    Failed,
    Success,

    /// <summary>The password is right but was hashed with weaker parameters than configured: store a new hash.</summary>
    SuccessRehashNeeded,
}
