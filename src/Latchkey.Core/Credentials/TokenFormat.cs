using System.IO.Hashing;
using System.Security.Cryptography;

namespace Latchkey.Core.Credentials;

/// <summary>
/// <c>&lt;prefix&gt;&lt;public part&gt;&lt;secret part&gt;&lt;checksum&gt;</c>: the prefix names the kind for people and secret
/// scanners, the public part is the database index, the secret part is only ever stored as a digest, and the CRC-32
/// checksum lets the server reject garbage before touching the database.
/// </summary>
internal static class TokenFormat
{
    public const string ApiKeyPrefix = "lk_key_";
    public const string MachineTokenPrefix = "lk_mach_";

    public const int PublicBytes = 16;

    // Note: 256 random bits, well above the 128 that make key stretching pointless, so a plain SHA-256 digest suffices.
    public const int SecretBytes = 32;

    private const int ChecksumBytes = 4;

    public static readonly int PublicLength = Base32.EncodedLength(PublicBytes);
    private static readonly int SecretLength = Base32.EncodedLength(SecretBytes);
    private static readonly int ChecksumLength = Base32.EncodedLength(ChecksumBytes);

    /// <summary>A new random public part, e.g. a key id or a machine user's login.</summary>
    public static string NewPublicPart()
    {
        Span<byte> bytes = stackalloc byte[PublicBytes];
        RandomNumberGenerator.Fill(bytes);
        return Base32.Encode(bytes);
    }

    /// <summary>Creates a token for <paramref name="publicPart"/> with a fresh secret; returns it and the secret's digest.</summary>
    public static (string Token, byte[] SecretDigest) Create(TokenKind kind, string publicPart)
    {
        var prefix = Prefix(kind);
        Span<byte> publicBytes = stackalloc byte[PublicBytes];
        if (!Base32.TryDecode(publicPart, publicBytes))
        {
            throw new ArgumentException("The public part must be 16 bytes in base32.", nameof(publicPart));
        }

        Span<byte> secret = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(secret);
        var digest = SHA256.HashData(secret);

        Span<char> token = stackalloc char[prefix.Length + PublicLength + SecretLength + ChecksumLength];
        prefix.CopyTo(token);
        publicPart.CopyTo(token[prefix.Length..]);
        Base32.Encode(secret, token.Slice(prefix.Length + PublicLength, SecretLength));
        WriteChecksum(token[..^ChecksumLength], token[^ChecksumLength..]);
        CryptographicOperations.ZeroMemory(secret);
        return (new string(token), digest);
    }

    /// <summary>
    /// Splits a presented token. Anything malformed, or with a wrong checksum, is rejected here without a database
    /// round trip.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> token, out ParsedToken parsed)
    {
        parsed = default;
        TokenKind kind;
        if (token.StartsWith(ApiKeyPrefix, StringComparison.Ordinal))
        {
            kind = TokenKind.ApiKey;
        }
        else if (token.StartsWith(MachineTokenPrefix, StringComparison.Ordinal))
        {
            kind = TokenKind.MachineToken;
        }
        else
        {
            return false;
        }

        var prefixLength = Prefix(kind).Length;
        if (token.Length != prefixLength + PublicLength + SecretLength + ChecksumLength)
        {
            return false;
        }

        Span<char> expectedChecksum = stackalloc char[ChecksumLength];
        WriteChecksum(token[..^ChecksumLength], expectedChecksum);
        if (!expectedChecksum.SequenceEqual(token[^ChecksumLength..]))
        {
            return false;
        }

        var publicPart = token.Slice(prefixLength, PublicLength);
        Span<byte> publicBytes = stackalloc byte[PublicBytes];
        Span<byte> secret = stackalloc byte[SecretBytes];
        if (!Base32.TryDecode(publicPart, publicBytes) ||
            !Base32.TryDecode(token.Slice(prefixLength + PublicLength, SecretLength), secret))
        {
            return false;
        }

        parsed = new ParsedToken(kind, new string(publicPart), SHA256.HashData(secret));
        CryptographicOperations.ZeroMemory(secret);
        return true;
    }

    private static string Prefix(TokenKind kind) => kind == TokenKind.ApiKey ? ApiKeyPrefix : MachineTokenPrefix;

    private static void WriteChecksum(ReadOnlySpan<char> body, Span<char> destination)
    {
        // Note: the body is ASCII by construction (prefix + base32), so one byte per char is exact.
        Span<byte> ascii = stackalloc byte[body.Length];
        for (var i = 0; i < body.Length; i++)
        {
            ascii[i] = (byte)body[i];
        }

        Span<byte> crc = stackalloc byte[ChecksumBytes];
        Crc32.Hash(ascii, crc);
        Base32.Encode(crc, destination);
    }
}

/// <summary>A well-formed token: its kind, its public part, and the SHA-256 digest of its secret part.</summary>
internal readonly record struct ParsedToken(TokenKind Kind, string PublicPart, byte[] SecretDigest);
