using Latchkey.Core.Credentials;
using Latchkey.Core.Credentials.Imported;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Tests.Credentials.Imported;

/// <summary>
/// Foreign hashes as an import sees them and as login verifies them. The hashes are made by the original system's
/// code (ASP.NET Core Identity's PasswordHasher); the import tests of the CLI cover bcrypt, Argon2 and Django with theirs.
/// </summary>
public sealed class ImportedHashVerifierTests
{
    private const string Password = "the password of the old system";

    private readonly ImportedHashVerifier _hasher = new(new Argon2idPasswordHasher(TestPasswordOptions.Cheap()));

    private static string IdentityV3(string password) =>
        new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 1000 })).HashPassword(new object(), password);

    [Fact]
    public void IdentityHashVerifiesItsPasswordAndAsksForARehash()
    {
        Assert.True(ImportedHash.TryCreateVerifier(IdentityV3(Password), out var verifier, out var format, out _));

        Assert.Equal(ImportedHashFormat.AspNetIdentity, format);
        Assert.StartsWith("{aspnet-identity}", verifier);
        Assert.Equal(PasswordVerification.SuccessRehashNeeded, _hasher.Verify(verifier, Password));
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(verifier, Password + "!"));
    }

    [Fact]
    public void NewHashesAreArgon2idAndLatchkeysOwnVerifiersStillVerify()
    {
        var hash = _hasher.Hash(Password);

        Assert.StartsWith("$argon2id$", hash);
        Assert.Equal(PasswordVerification.Success, _hasher.Verify(hash, Password));
    }

    [Theory]
    [InlineData("", "no password hash")]
    [InlineData("$2b$10$tooshort", "malformed bcrypt hash")]
    [InlineData("$2x$10$abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyza", "malformed bcrypt hash")]
    [InlineData("$argon2id$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "malformed Argon2 PHC string")]
    [InlineData("$argon2id$v=16$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "unsupported Argon2 version (only v=19)")]
    [InlineData("$argon2id$v=19$m=4194304,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "Argon2 parameters above the import limits (m ≤ 262144 KiB, t ≤ 10, p ≤ 8)")]
    [InlineData("pbkdf2_sha256$abc$salt$aGFzaA==", "malformed Django pbkdf2_sha256 hash")]
    [InlineData("md5$salt$hash", "unknown password hash format (expected ASP.NET Core Identity, bcrypt, Argon2 or Django pbkdf2_sha256)")]
    public void MalformedOrUnknownHashesAreRefusedWithTheirReason(string hash, string reason)
    {
        Assert.False(ImportedHash.TryCreateVerifier(hash, out _, out _, out var error));
        Assert.Equal(reason, error);
    }

    [Fact]
    public void AForeignHashWithoutItsPrefixIsNeverTakenForOneOfLatchkeys()
    {
        var raw = IdentityV3(Password);

        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(raw, Password));
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify("{bcrypt}$2b$04$garbagegarbagegarbagegarbagegarbagegarbagegarbagegarb", Password));
    }
}
