using System.Buffers.Binary;
using System.Text.RegularExpressions;

namespace Latchkey.Core.Credentials.Imported;

/// <summary>The password hash formats of other systems that an import may bring in.</summary>
internal enum ImportedHashFormat
{
    /// <summary>ASP.NET Core Identity's <c>PasswordHash</c>, base64 of format marker 0x00 (V2) or 0x01 (V3).</summary>
    AspNetIdentity,

    /// <summary>bcrypt: <c>$2a$</c>, <c>$2b$</c> or <c>$2y$</c>.</summary>
    Bcrypt,

    /// <summary>An Argon2 PHC string (<c>$argon2id$</c>, <c>$argon2i$</c>, <c>$argon2d$</c>), any parallelism.</summary>
    Argon2,

    /// <summary>Django's <c>pbkdf2_sha256$iterations$salt$hash</c>.</summary>
    DjangoPbkdf2Sha256,
}

/// <summary>
/// Foreign password hashes as Latchkey stores them until the user's next login replaces them with Argon2id: the
/// original hash behind a <c>{format}</c> prefix (Spring Security's convention for delegating encoders), so that the
/// verifier says what it is and no foreign string can pass for one of Latchkey's own.
/// </summary>
internal static partial class ImportedHash
{
    // Note: bounds on the cost parameters an import may bring in: a hostile or broken row must not make one login
    // take minutes or gigabytes.
    public const int MaxArgon2MemoryKiB = 1024 * 1024;
    public const int MaxArgon2Iterations = 64;
    public const int MaxArgon2Parallelism = 64;
    public const int MaxPbkdf2Iterations = 10_000_000;

    public static string Prefix(ImportedHashFormat format) => format switch
    {
        ImportedHashFormat.AspNetIdentity => "{aspnet-identity}",
        ImportedHashFormat.Bcrypt => "{bcrypt}",
        ImportedHashFormat.Argon2 => "{argon2}",
        _ => "{django-pbkdf2-sha256}",
    };

    /// <summary>The format of a stored verifier, or null when it is not an imported one.</summary>
    public static ImportedHashFormat? FormatOf(string verifier, out ReadOnlySpan<char> original)
    {
        original = default;
        if (!verifier.StartsWith('{'))
        {
            return null;
        }

        foreach (var format in Enum.GetValues<ImportedHashFormat>())
        {
            var prefix = Prefix(format);
            if (verifier.StartsWith(prefix, StringComparison.Ordinal))
            {
                original = verifier.AsSpan(prefix.Length);
                return format;
            }
        }

        return null;
    }

    /// <summary>
    /// Recognises <paramref name="hash"/> as one of <see cref="ImportedHashFormat"/> and checks its structure; the
    /// verifier to store, or the reason it is refused.
    /// </summary>
    public static bool TryCreateVerifier(string? hash, out string verifier, out ImportedHashFormat format, out string? error)
    {
        verifier = "";
        format = default;
        hash = hash?.Trim();
        if (string.IsNullOrEmpty(hash))
        {
            error = "no password hash";
            return false;
        }

        if (hash.StartsWith("$2", StringComparison.Ordinal))
        {
            format = ImportedHashFormat.Bcrypt;
            error = BcryptPattern().IsMatch(hash) ? null : "malformed bcrypt hash";
        }
        else if (hash.StartsWith("$argon2", StringComparison.Ordinal))
        {
            format = ImportedHashFormat.Argon2;
            error = Argon2Phc.TryParse(hash, out _, out var reason) ? null : reason;
        }
        else if (hash.StartsWith("pbkdf2_sha256$", StringComparison.Ordinal))
        {
            format = ImportedHashFormat.DjangoPbkdf2Sha256;
            error = DjangoPbkdf2.TryParse(hash, out _, out _, out _) ? null : "malformed Django pbkdf2_sha256 hash";
        }
        else if (AspNetIdentityHash.TryParse(hash, out _))
        {
            format = ImportedHashFormat.AspNetIdentity;
            error = null;
        }
        else
        {
            error = "unknown password hash format (expected ASP.NET Core Identity, bcrypt, Argon2 or Django pbkdf2_sha256)";
        }

        if (error is not null)
        {
            return false;
        }

        verifier = Prefix(format) + hash;
        return true;
    }

    [GeneratedRegex(@"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")]
    private static partial Regex BcryptPattern();
}

/// <summary>ASP.NET Core Identity's hash layouts (Microsoft.Extensions.Identity.Core <c>PasswordHasher&lt;T&gt;</c>).</summary>
internal static class AspNetIdentityHash
{
    /// <summary>The parameters of a V2 or V3 hash.</summary>
    public readonly record struct Parameters(
        System.Security.Cryptography.HashAlgorithmName Prf, int Iterations, byte[] Salt, byte[] Subkey);

    public static bool TryParse(string base64, out Parameters parameters)
    {
        parameters = default;
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var length) || length == 0)
        {
            return false;
        }

        var hash = bytes.AsSpan(0, length);

        // Note: V2: 0x00, 16 bytes of salt, 32 of subkey; PBKDF2-HMAC-SHA1 with 1000 iterations.
        if (hash[0] == 0x00 && hash.Length == 1 + 16 + 32)
        {
            parameters = new(System.Security.Cryptography.HashAlgorithmName.SHA1, 1000, hash[1..17].ToArray(), hash[17..].ToArray());
            return true;
        }

        // Note: V3: 0x01, then big-endian PRF (0 SHA1, 1 SHA256, 2 SHA512), iteration count and salt length, the salt,
        // and the subkey (at least 128 bits).
        if (hash[0] != 0x01 || hash.Length < 13)
        {
            return false;
        }

        var prf = BinaryPrimitives.ReadUInt32BigEndian(hash[1..]);
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(hash[5..]);
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(hash[9..]);
        if (prf > 2 || iterations is 0 or > ImportedHash.MaxPbkdf2Iterations || saltLength is < 8 or > 1024
            || hash.Length - 13 - (int)saltLength < 16)
        {
            return false;
        }

        var algorithm = prf switch
        {
            0 => System.Security.Cryptography.HashAlgorithmName.SHA1,
            1 => System.Security.Cryptography.HashAlgorithmName.SHA256,
            _ => System.Security.Cryptography.HashAlgorithmName.SHA512,
        };
        parameters = new(algorithm, (int)iterations, hash.Slice(13, (int)saltLength).ToArray(), hash[(13 + (int)saltLength)..].ToArray());
        return true;
    }
}

/// <summary>Django's <c>pbkdf2_sha256$&lt;iterations&gt;$&lt;salt&gt;$&lt;base64 hash&gt;</c> (django.contrib.auth.hashers).</summary>
internal static class DjangoPbkdf2
{
    public static bool TryParse(string hash, out int iterations, out string salt, out byte[] expected)
    {
        iterations = 0;
        salt = "";
        expected = [];
        var parts = hash.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2_sha256" || !int.TryParse(parts[1], out iterations)
            || iterations is < 1 or > ImportedHash.MaxPbkdf2Iterations || parts[2].Length == 0)
        {
            return false;
        }

        salt = parts[2];
        var bytes = new byte[parts[3].Length];
        if (!Convert.TryFromBase64String(parts[3], bytes, out var length) || length < 16)
        {
            return false;
        }

        expected = bytes[..length];
        return true;
    }
}

/// <summary>An Argon2 PHC string: <c>$argon2id$v=19$m=...,t=...,p=...$salt$hash</c> (unpadded base64).</summary>
internal static class Argon2Phc
{
    public readonly record struct Parameters(string Variant, int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash);

    public static bool TryParse(string phc, out Parameters parameters, out string? error)
    {
        parameters = default;
        error = "malformed Argon2 PHC string";
        var parts = phc.Split('$');
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] is not ("argon2id" or "argon2i" or "argon2d"))
        {
            return false;
        }

        // Note: only version 1.3 (v=19), the one every current library writes; 1.0 strings omit v= and hash differently.
        if (parts[2] != "v=19")
        {
            error = "unsupported Argon2 version (only v=19)";
            return false;
        }

        int memory = 0, iterations = 0, parallelism = 0;
        foreach (var pair in parts[3].Split(','))
        {
            var kv = pair.Split('=');
            if (kv.Length != 2 || !int.TryParse(kv[1], out var value))
            {
                return false;
            }

            switch (kv[0])
            {
                case "m": memory = value; break;
                case "t": iterations = value; break;
                case "p": parallelism = value; break;
                default: return false;
            }
        }

        if (memory < 8 || iterations < 1 || parallelism < 1 || memory < 8 * parallelism)
        {
            return false;
        }

        if (memory > ImportedHash.MaxArgon2MemoryKiB || iterations > ImportedHash.MaxArgon2Iterations || parallelism > ImportedHash.MaxArgon2Parallelism)
        {
            error = "Argon2 parameters above the import limits";
            return false;
        }

        var salt = FromUnpaddedBase64(parts[4]);
        var hash = FromUnpaddedBase64(parts[5]);
        if (salt is not { Length: >= 8 } || hash is not { Length: >= 16 })
        {
            return false;
        }

        parameters = new(parts[1], memory, iterations, parallelism, salt, hash);
        error = null;
        return true;
    }

    private static byte[]? FromUnpaddedBase64(string text)
    {
        var padded = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        var bytes = new byte[padded.Length];
        return Convert.TryFromBase64String(padded, bytes, out var length) ? bytes[..length] : null;
    }
}
