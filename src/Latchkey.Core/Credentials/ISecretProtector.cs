namespace Latchkey.Core.Credentials;

/// <summary>
/// Encrypts secrets that must be read back (a TOTP factor's shared secret) with the host's key ring. Note: Core knows
/// nothing of ASP.NET Core; the hosting layer implements this with Data Protection, whose key ring every instance
/// shares, so a secret stored by one instance is read by any other.
/// </summary>
internal interface ISecretProtector
{
    string Protect(string plaintext);

    /// <summary>False when the text was not made by this key ring (or has been tampered with).</summary>
    bool TryUnprotect(string protectedText, out string plaintext);
}
