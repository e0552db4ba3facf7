using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Latchkey.Core.Credentials.Imported;

/// <summary>ASP.NET Core Identity's hash layouts (Microsoft.Extensions.Identity.Core <c>PasswordHasher&lt;T&gt;</c>).</summary>
internal static class AspNetIdentityHash
{
    /// <summary>The parameters of a V2 or V3 hash.</summary>
    public readonly record struct Parameters(HashAlgorithmName Prf, int Iterations, byte[] Salt, byte[] Subkey);

    public static ImportedHashCheck TryParse(string base64, out Parameters parameters)
    {
        parameters = default;
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var length) || length == 0)
        {
            return ImportedHashCheck.Malformed;
        }

        var hash = bytes.AsSpan(0, length);

        // Note: V2: 0x00, 16 bytes of salt, 32 of subkey; PBKDF2-HMAC-SHA1 with 1000 iterations.
        if (hash[0] == 0x00 && hash.Length == 1 + 16 + 32)
        {
            parameters = new(HashAlgorithmName.SHA1, 1000, hash[1..17].ToArray(), hash[17..].ToArray());
            return ImportedHashCheck.Valid;
        }

        // Note: V3: 0x01, then big-endian PRF (0 SHA1, 1 SHA256, 2 SHA512), iteration count and salt length, the salt,
        // and the subkey (at least 128 bits).
        if (hash[0] != 0x01 || hash.Length < 13)
        {
            return ImportedHashCheck.Malformed;
        }

        var prf = BinaryPrimitives.ReadUInt32BigEndian(hash[1..]);
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(hash[5..]);
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(hash[9..]);
        if (prf > 2 || iterations == 0 || saltLength is < 8 or > 1024 || hash.Length - 13 - (int)saltLength < 16)
        {
            return ImportedHashCheck.Malformed;
        }

        var (algorithm, hashBytes) = prf switch
        {
            0 => (HashAlgorithmName.SHA1, SHA1.HashSizeInBytes),
            1 => (HashAlgorithmName.SHA256, SHA256.HashSizeInBytes),
            _ => (HashAlgorithmName.SHA512, SHA512.HashSizeInBytes),
        };
        var subkey = hash[(13 + (int)saltLength)..];
        if (ImportedHashLimits.Pbkdf2Work(iterations, subkey.Length, hashBytes) > ImportedHashLimits.MaxPbkdf2Work)
        {
            return ImportedHashCheck.AboveLimits;
        }

        parameters = new(algorithm, (int)iterations, hash.Slice(13, (int)saltLength).ToArray(), subkey.ToArray());
        return ImportedHashCheck.Valid;
    }
}
