using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Latchkey.Core.Credentials.Imported;

/// <summary>
/// Latchkey's password hasher, able also to verify the foreign hashes an import brought in. Every successful
/// verification of a foreign hash asks for a rehash, so the login that proves the password replaces the foreign hash
/// with Latchkey's Argon2id (through the login's compare-and-set). New hashes are always Argon2id.
/// </summary>
internal sealed class ImportedHashVerifier(Argon2idPasswordHasher argon2id) : IPasswordHasher
{
    public string DummyVerifier => argon2id.DummyVerifier;

    public string Hash(string password) => argon2id.Hash(password);

    public PasswordVerification Verify(string verifier, string password)
    {
        var format = ImportedHash.FormatOf(verifier, out var original);
        if (format is null)
        {
            return argon2id.Verify(verifier, password);
        }

        return Verify(format.Value, original.ToString(), password) ? PasswordVerification.SuccessRehashNeeded : PasswordVerification.Failed;
    }

    private static bool Verify(ImportedHashFormat format, string hash, string password)
    {
        try
        {
            return format switch
            {
                ImportedHashFormat.Bcrypt => BCrypt.Net.BCrypt.Verify(password, hash),
                ImportedHashFormat.Argon2 => VerifyArgon2(hash, password),
                ImportedHashFormat.DjangoPbkdf2Sha256 => VerifyDjango(hash, password),
                _ => VerifyAspNetIdentity(hash, password),
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException or BCrypt.Net.SaltParseException)
        {
            // Note: a verifier the import let through but a library still refuses fails like a wrong password.
            return false;
        }
    }

    private static bool VerifyAspNetIdentity(string hash, string password)
    {
        if (!AspNetIdentityHash.TryParse(hash, out var p))
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(password, p.Salt, p.Iterations, p.Prf, p.Subkey.Length);
        return CryptographicOperations.FixedTimeEquals(actual, p.Subkey);
    }

    private static bool VerifyDjango(string hash, string password)
    {
        if (!DjangoPbkdf2.TryParse(hash, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(salt), iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    // Note: a managed implementation (Konscious) rather than libsodium, which verifies only parallelism 1; other
    // systems commonly hash with p = 2, 4 or more.
    private static bool VerifyArgon2(string phc, string password)
    {
        if (!Argon2Phc.TryParse(phc, out var p, out _))
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(password);
        try
        {
            using Argon2 argon2 = p.Variant switch
            {
                "argon2id" => new Argon2id(bytes),
                "argon2i" => new Argon2i(bytes),
                _ => new Argon2d(bytes),
            };
            argon2.Salt = p.Salt;
            argon2.MemorySize = p.MemoryKiB;
            argon2.Iterations = p.Iterations;
            argon2.DegreeOfParallelism = p.Parallelism;
            return CryptographicOperations.FixedTimeEquals(argon2.GetBytes(p.Hash.Length), p.Hash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
