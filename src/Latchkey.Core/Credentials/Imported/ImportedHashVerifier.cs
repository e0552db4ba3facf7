using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Latchkey.Core.Credentials.Imported;

/// <summary>
/// Latchkey's password hasher, able also to verify the foreign hashes an import brought in. Every successful
/// verification of a foreign hash asks for a rehash, so the login that proves the password replaces the foreign hash
/// with Latchkey's Argon2id (through the login's compare-and-set). New hashes are always Argon2id.
/// </summary>
internal sealed class ImportedHashVerifier(Argon2idPasswordHasher argon2id, ILogger<ImportedHashVerifier>? logger = null) : IPasswordHasher
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private int _warnedAboveLimits;

    public string DummyVerifier => argon2id.DummyVerifier;

    public string Hash(string password) => argon2id.Hash(password);

    /// <summary>
    /// An imported Argon2 hash takes a slot per configured Argon2 memory it needs (rounded up), so that the gate's
    /// memory bound, slots × configured memory, holds for it too; every other verifier takes one.
    /// </summary>
    public int SlotsFor(string verifier) =>
        ImportedHash.MemoryKiBOf(verifier) is { } memory ? Math.Max(1, (memory + argon2id.MemoryKiB - 1) / argon2id.MemoryKiB) : 1;

    public PasswordVerification Verify(string verifier, string password)
    {
        var format = ImportedHash.FormatOf(verifier, out var original);
        if (format is null)
        {
            return argon2id.Verify(verifier, password);
        }

        var hash = original.ToString();
        bool verified;
        if (ImportedHash.Check(format.Value, hash, out var reason) == ImportedHashCheck.AboveLimits)
        {
            // Note: a row from an older version with looser limits: never run (that is what the limits are for), and
            // said once, not per login; the reason holds cost parameters only, never the hash.
            if (Interlocked.Exchange(ref _warnedAboveLimits, 1) == 0)
            {
                Log.ImportedHashAboveLimits(_logger, ImportedHash.Prefix(format.Value), reason);
            }

            verified = false;
        }
        else
        {
            verified = Verify(format.Value, hash, password);
        }

        // Note: and a verification against the dummy verifier as well, whatever the outcome: a foreign hash may be far
        // cheaper than Argon2id (ASP.NET Core Identity V2 takes under a millisecond), and an unknown login costs one
        // Argon2id verification; without this, timing would tell which logins belong to users not yet migrated.
        _ = argon2id.Verify(argon2id.DummyVerifier, password);
        return verified ? PasswordVerification.SuccessRehashNeeded : PasswordVerification.Failed;
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
        if (AspNetIdentityHash.TryParse(hash, out var p) != ImportedHashCheck.Valid)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(password, p.Salt, p.Iterations, p.Prf, p.Subkey.Length);
        return CryptographicOperations.FixedTimeEquals(actual, p.Subkey);
    }

    private static bool VerifyDjango(string hash, string password)
    {
        if (DjangoPbkdf2.TryParse(hash, out var iterations, out var salt, out var expected) != ImportedHashCheck.Valid)
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
        if (Argon2Phc.TryParse(phc, out var p, out _) != ImportedHashCheck.Valid)
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
