using System.IO.Hashing;
using System.Security.Cryptography;
using Latchkey.Core.Credentials;

namespace Latchkey.Core.Email;

/// <summary>
/// The token of an e-mailed link: <c>&lt;prefix&gt;&lt;secret&gt;&lt;checksum&gt;</c>, 256 random bits in base32 with a CRC-32
/// checksum, in the same spirit as <see cref="TokenFormat"/>. It is looked up by the SHA-256 digest of its secret,
/// which is all the database holds; a token of the wrong length, alphabet or checksum is refused before any query.
/// </summary>
internal static class LinkToken
{
    public const string VerifyPrefix = "lk_verify_";
    public const string ResetPrefix = "lk_reset_";
    public const string InvitationPrefix = "lk_invite_";

    private const int SecretBytes = 32;
    private const int ChecksumBytes = 4;
    private static readonly int SecretLength = Base32.EncodedLength(SecretBytes);
    private static readonly int ChecksumLength = Base32.EncodedLength(ChecksumBytes);

    /// <summary>A fresh token with <paramref name="prefix"/>, and the digest to store.</summary>
    public static (string Token, byte[] Digest) Create(string prefix)
    {
        Span<byte> secret = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(secret);
        var digest = SHA256.HashData(secret);
        Span<char> token = stackalloc char[prefix.Length + SecretLength + ChecksumLength];
        prefix.CopyTo(token);
        Base32.Encode(secret, token.Slice(prefix.Length, SecretLength));
        WriteChecksum(token[..^ChecksumLength], token[^ChecksumLength..]);
        CryptographicOperations.ZeroMemory(secret);
        return (new string(token), digest);
    }

    /// <summary>The digest of a well-formed token of kind <paramref name="prefix"/>; null for anything else.</summary>
    public static byte[]? TryDigest(string? token, string prefix)
    {
        if (token is null || token.Length != prefix.Length + SecretLength + ChecksumLength
            || !token.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        Span<char> expected = stackalloc char[ChecksumLength];
        WriteChecksum(token.AsSpan(0, token.Length - ChecksumLength), expected);
        Span<byte> secret = stackalloc byte[SecretBytes];
        if (!expected.SequenceEqual(token.AsSpan(token.Length - ChecksumLength))
            || !Base32.TryDecode(token.AsSpan(prefix.Length, SecretLength), secret))
        {
            return null;
        }

        var digest = SHA256.HashData(secret);
        CryptographicOperations.ZeroMemory(secret);
        return digest;
    }

    private static void WriteChecksum(ReadOnlySpan<char> body, Span<char> destination)
    {
        Span<byte> ascii = stackalloc byte[body.Length];
        for (var i = 0; i < body.Length; i++)
        {
            // Note: anything outside ASCII fails the checksum (and the alphabet check) anyway.
            ascii[i] = (byte)body[i];
        }

        Span<byte> crc = stackalloc byte[ChecksumBytes];
        Crc32.Hash(ascii, crc);
        Base32.Encode(crc, destination);
    }
}
