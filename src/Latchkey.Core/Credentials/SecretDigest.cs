using System.Security.Cryptography;

namespace Latchkey.Core.Credentials;

/// <summary>
/// The verifier of a generated (high-entropy) secret: <c>$sha256$&lt;base64 digest&gt;</c>. It shares the users'
/// verifier column with Argon2id PHC strings; the leading identifier says which algorithm made it.
/// </summary>
internal static class SecretDigest
{
    private const string Prefix = "$sha256$";

    public static string ToVerifier(ReadOnlySpan<byte> digest) => Prefix + Convert.ToBase64String(digest);

    public static bool IsDigestVerifier(string verifier) => verifier.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Compares in constant time, so the response time says nothing about how much of a digest matched.</summary>
    public static bool Matches(string verifier, ReadOnlySpan<byte> digest)
    {
        if (!IsDigestVerifier(verifier))
        {
            return false;
        }

        Span<byte> stored = stackalloc byte[SHA256.HashSizeInBytes];
        return Convert.TryFromBase64Chars(verifier.AsSpan(Prefix.Length), stored, out var written)
            && written == stored.Length
            && CryptographicOperations.FixedTimeEquals(stored, digest);
    }

    /// <summary>The digest a <c>$sha256$</c> verifier holds; null for any other verifier.</summary>
    public static byte[]? ToDigest(string verifier)
    {
        var stored = new byte[SHA256.HashSizeInBytes];
        return IsDigestVerifier(verifier)
            && Convert.TryFromBase64Chars(verifier.AsSpan(Prefix.Length), stored, out var written) && written == stored.Length
            ? stored
            : null;
    }

    public static bool Matches(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> digest) =>
        stored.Length == SHA256.HashSizeInBytes && CryptographicOperations.FixedTimeEquals(stored, digest);
}
