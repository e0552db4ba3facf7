using System.Buffers.Binary;
using Latchkey.Core.Credentials;
using Latchkey.Core.Credentials.Imported;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Latchkey.Core.Tests.Credentials.Imported;

/// <summary>
/// The cost caps on imported hashes (<see cref="ImportedHashLimits"/>): refused at import, and refused again at
/// verification for a row written before (by an older version), where it fails like a wrong password without running.
/// </summary>
public sealed class ImportedHashLimitsTests
{
    private const string Password = "the password of the old system";

    private static readonly string Salt = "MDEyMzQ1Njc4OWFiY2RlZg";
    private static readonly string Hash = "FTtG4tV2zYvAAtMhKzyqPUd/BhUm/7rIvUhBvk5vs/4";
    private static readonly string Bcrypt53 = "4s0hGNNcKOrYjdy3aCZMe.JA0nCugydqajdbUUQvQya7HOCdrEGtC";

    /// <summary>An ASP.NET Core Identity V3 hash's layout (its bytes need not be the hash of anything to be parsed).</summary>
    private static string IdentityV3(uint prf, uint iterations, int subkeyBytes)
    {
        var bytes = new byte[13 + 16 + subkeyBytes];
        bytes[0] = 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), prf);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5), iterations);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(9), 16);
        return Convert.ToBase64String(bytes);
    }

    private static string Django(int iterations) => $"pbkdf2_sha256${iterations}$abcdefghijklmnopqrstuv$+vAS/ZWDi522LRhn+1B1oBKyXi3S1Lgm/isjkBCvi+k=";

    public static TheoryData<string, string, string> AboveEachCap => new()
    {
        { "bcrypt cost", "$2b$15$" + Bcrypt53, "bcrypt cost 15 above the import limit (14)" },
        { "Argon2 memory", $"$argon2id$v=19$m=262145,t=1,p=1${Salt}${Hash}", "Argon2 parameters above the import limits (m ≤ 262144 KiB, t ≤ 10, p ≤ 8)" },
        { "Argon2 passes", $"$argon2id$v=19$m=64,t=11,p=1${Salt}${Hash}", "Argon2 parameters above the import limits (m ≤ 262144 KiB, t ≤ 10, p ≤ 8)" },
        { "Argon2 lanes", $"$argon2id$v=19$m=72,t=1,p=9${Salt}${Hash}", "Argon2 parameters above the import limits (m ≤ 262144 KiB, t ≤ 10, p ≤ 8)" },
        // Note: 1,000,001 iterations are under the cap alone, but a 40-byte subkey of HMAC-SHA1 is two blocks of them.
        { "Identity PBKDF2 iterations × blocks", IdentityV3(prf: 0, iterations: 1_000_001, subkeyBytes: 40), "PBKDF2 cost above the import limit (iterations × output blocks ≤ 2000000)" },
        { "Identity PBKDF2 iterations", IdentityV3(prf: 2, iterations: 2_000_001, subkeyBytes: 32), "PBKDF2 cost above the import limit (iterations × output blocks ≤ 2000000)" },
        { "Django PBKDF2 iterations", Django(2_000_001), "PBKDF2 cost above the import limit (iterations × output blocks ≤ 2000000)" },
    };

    public static TheoryData<string, string> AtEachCap => new()
    {
        { "bcrypt cost", "$2b$14$" + Bcrypt53 },
        { "Argon2 memory, passes and lanes", $"$argon2id$v=19$m=262144,t=10,p=8${Salt}${Hash}" },
        { "Identity PBKDF2 iterations × blocks", IdentityV3(prf: 1, iterations: 1_000_000, subkeyBytes: 64) },
        { "Identity PBKDF2 iterations", IdentityV3(prf: 2, iterations: 2_000_000, subkeyBytes: 64) },
        { "Django PBKDF2 iterations", Django(2_000_000) },
    };

    [Theory]
    [MemberData(nameof(AboveEachCap))]
    public void AnImportedHashAboveACostCapIsRefusedWithTheCap(string cap, string hash, string reason)
    {
        Assert.False(ImportedHash.TryCreateVerifier(hash, out _, out _, out var error), cap);
        Assert.Equal(reason, error);
    }

    [Theory]
    [MemberData(nameof(AtEachCap))]
    public void AnImportedHashAtTheCostCapsIsAccepted(string cap, string hash)
    {
        Assert.True(ImportedHash.TryCreateVerifier(hash, out _, out _, out var error), $"{cap}: {error}");
    }

    /// <summary>
    /// Hashes of <see cref="Password"/> above a cap, made by the original tools (htpasswd -B -C 15, the reference
    /// argon2, Python's hashlib) and stored as a version with looser limits would have stored them.
    /// </summary>
    public static TheoryData<string, string> StoredAboveEachCap => new()
    {
        { "bcrypt cost", "{bcrypt}$2y$15$" + Bcrypt53 },
        { "Argon2 memory", "{argon2}$argon2id$v=19$m=262208,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$wY6wI9ZOEMTwmttuZWC9HYnPQJzKOMsT1RsvKiRc+6E" },
        { "Argon2 passes", "{argon2}$argon2id$v=19$m=64,t=11,p=1$MDEyMzQ1Njc4OWFiY2RlZg$iW5cGYuk1SeWuumij/+OTh65LnH3IZt27fPyGg8tErY" },
        { "Argon2 lanes", "{argon2}$argon2id$v=19$m=72,t=1,p=9$MDEyMzQ1Njc4OWFiY2RlZg$7S0mW2qbdH8Onn2M8P5m7jDfPlkvReQtKtJlwlq+MFE" },
        { "Identity PBKDF2 iterations × blocks", "{aspnet-identity}AQAAAAAAD0JBAAAAEAABAgMEBQYHCAkKCwwNDg+ThRje8B+ycWZEesNP75S19JX/C6I16e4FmpmpJ411pq/M55Qq1Cm1" },
        { "Django PBKDF2 iterations", "{django-pbkdf2-sha256}" + Django(2_000_001) },
    };

    [Theory]
    [MemberData(nameof(StoredAboveEachCap))]
    public void AStoredHashAboveACostCapFailsLikeAWrongPasswordEvenGivenTheRightOne(string cap, string verifier)
    {
        var hasher = new ImportedHashVerifier(new Argon2idPasswordHasher(TestPasswordOptions.Cheap()));

        Assert.True(PasswordVerification.Failed == hasher.Verify(verifier, Password), cap);
    }

    [Fact]
    public void TheHashesAboveTheCapsAreRightForThePasswordWhenRunWithoutThem()
    {
        // Note: the one cheap enough to run here shows the stored hashes are real: its hash at t=1 verifies.
        var hasher = new ImportedHashVerifier(new Argon2idPasswordHasher(TestPasswordOptions.Cheap()));

        Assert.Equal(PasswordVerification.SuccessRehashNeeded, hasher.Verify($"{{argon2}}$argon2id$v=19$m=65536,t=1,p=1${Salt}${Hash}", Password));
    }
    [Fact]
    public void StoredHashesAboveTheCapsAreLoggedOnceAsAWarningWithoutTheHashOrThePassword()
    {
        var logger = new FakeLogger<ImportedHashVerifier>();
        var hasher = new ImportedHashVerifier(new Argon2idPasswordHasher(TestPasswordOptions.Cheap()), logger);

        foreach (var verifier in StoredAboveEachCap.Select(row => (string)row[1]).Concat(StoredAboveEachCap.Select(row => (string)row[1])))
        {
            Assert.Equal(PasswordVerification.Failed, hasher.Verify(verifier, Password));
        }

        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal(1301, record.Id.Id);
        Assert.DoesNotContain(Password, record.Message);
        Assert.DoesNotContain(Bcrypt53[..22], record.Message);
        Assert.DoesNotContain(Salt, record.Message);
    }

    [Fact]
    public void AnImportedArgon2HashTakesAHashingSlotPerConfiguredArgon2MemoryItNeeds()
    {
        var native = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(memoryKiB: 19456));
        var hasher = new ImportedHashVerifier(native);

        // Note: 64 MiB is 3.4 times the configured 19 MiB: it holds four slots, so slots × 19 MiB still bounds memory.
        Assert.Equal(4, hasher.SlotsFor($"{{argon2}}$argon2id$v=19$m=65536,t=1,p=1${Salt}${Hash}"));
        Assert.Equal(1, hasher.SlotsFor($"{{argon2}}$argon2id$v=19$m=64,t=3,p=1${Salt}${Hash}"));
        Assert.Equal(1, hasher.SlotsFor("{bcrypt}$2b$12$" + Bcrypt53));
        Assert.Equal(1, hasher.SlotsFor("{django-pbkdf2-sha256}" + Django(1_000_000)));
        Assert.Equal(1, hasher.SlotsFor($"$argon2id$v=19$m=19456,t=2,p=1${Salt}${Hash}"));
    }
}
