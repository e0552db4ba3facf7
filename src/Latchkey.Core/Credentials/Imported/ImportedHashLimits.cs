namespace Latchkey.Core.Credentials.Imported;

/// <summary>
/// The most an imported hash may cost to verify. Note: near Latchkey's own cost (Argon2id, 19 MiB, 2 passes, about
/// 30 ms), a little above what the systems imported from commonly use, so that ordinary hashes come in while no row
/// lets a login take seconds or a quarter gigabyte per wrong password: whoever knows the login of such a row could
/// otherwise hold every hashing slot or exhaust memory with a handful of guesses. Checked at import (the row is refused
/// with its line) and again at every verification, since a row may have been written by an older version with looser
/// limits: above them it fails like a wrong password.
/// </summary>
internal static class ImportedHashLimits
{
    /// <summary>bcrypt's cost (log2 of the rounds): 12 is today's common default, 14 about a second.</summary>
    public const int MaxBcryptCost = 14;

    /// <summary>Argon2's memory: 256 MiB (libsodium's "moderate"; RFC 9106's second choice is 64 MiB).</summary>
    public const int MaxArgon2MemoryKiB = 256 * 1024;

    /// <summary>Argon2's passes over the memory.</summary>
    public const int MaxArgon2Iterations = 10;

    /// <summary>Argon2's lanes, each a thread of the managed implementation.</summary>
    public const int MaxArgon2Parallelism = 8;

    /// <summary>
    /// PBKDF2's iterations × output blocks (each block of the output is a full run of the iterations): two million
    /// HMAC computations, above Django's 1,000,000 (5.2) and OWASP's 1,300,000 for HMAC-SHA1.
    /// </summary>
    public const long MaxPbkdf2Work = 2_000_000;

    /// <summary>PBKDF2's cost: its iterations for every block of <paramref name="outputBytes"/> the hash function makes.</summary>
    public static long Pbkdf2Work(long iterations, int outputBytes, int hashBytes) => iterations * ((outputBytes + hashBytes - 1) / hashBytes);
}
