using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>The JWT signing keys (<see cref="SigningKey"/>), shared by every instance through the database.</summary>
internal interface ISigningKeyStore
{
    /// <summary>Every key that retires after <paramref name="retiredAfter"/> (the ones still published), oldest generation first.</summary>
    Task<IReadOnlyList<SigningKey>> ListAsync(DateTimeOffset retiredAfter, CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="key"/>; false when its generation exists already (another instance made it first).</summary>
    Task<bool> TryAddAsync(SigningKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Ends the signing of every key that would still sign at <paramref name="at"/>, and moves the start of every later
    /// one to <paramref name="at"/>, to sign for <paramref name="keyLifetime"/> (an emergency rotation); returns how many
    /// keys changed.
    /// </summary>
    Task<int> RetireSigningAsync(DateTimeOffset at, TimeSpan keyLifetime, CancellationToken cancellationToken);

    /// <summary>Deletes keys retired at or before <paramref name="retiredBefore"/> (no longer published).</summary>
    Task<int> DeleteRetiredAsync(DateTimeOffset retiredBefore, CancellationToken cancellationToken);
}

/// <summary>Encrypts JWT private keys at rest (Data Protection, implemented by storage where the key ring lives).</summary>
internal interface ISigningKeyProtector
{
    byte[] Protect(byte[] privateKey);

    byte[] Unprotect(byte[] protectedKey);
}
