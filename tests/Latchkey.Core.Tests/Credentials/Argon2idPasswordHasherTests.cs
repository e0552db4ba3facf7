using Latchkey.Core.Credentials;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Tests.Credentials;

public sealed class Argon2idPasswordHasherTests
{
    private const string Password = "correct horse battery staple";

    private readonly Argon2idPasswordHasher _hasher = new(TestPasswordOptions.Cheap());

    [Fact]
    public void HashIsAnArgon2idPhcStringAtTheConfiguredParameters()
    {
        var phc = _hasher.Hash(Password);

        Assert.StartsWith("$argon2id$v=19$m=8,t=1,p=1$", phc, StringComparison.Ordinal);
        Assert.Equal(6, phc.Split('$').Length);
    }

    [Fact]
    public void DefaultOptionsHashAtOwaspsFloorOf19MiBAndTwoPasses()
    {
        var hasher = new Argon2idPasswordHasher(Options.Create(new LatchkeyPasswordOptions()));

        var phc = hasher.Hash(Password);

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", phc, StringComparison.Ordinal);
        Assert.Equal(PasswordVerification.Success, hasher.Verify(phc, Password));
    }

    [Fact]
    public void HashVerifiesWithTheRightPassword()
    {
        Assert.Equal(PasswordVerification.Success, _hasher.Verify(_hasher.Hash(Password), Password));
    }

    [Theory]
    [InlineData("correct horse battery stapl")]
    [InlineData("correct horse battery staple ")]
    [InlineData("Correct horse battery staple")]
    [InlineData("")]
    public void HashFailsWithAWrongPassword(string wrong)
    {
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(_hasher.Hash(Password), wrong));
    }

    [Fact]
    public void HashingTheSamePasswordTwiceUsesDifferentSalts()
    {
        var first = _hasher.Hash(Password);
        var second = _hasher.Hash(Password);

        Assert.NotEqual(first, second);
        Assert.Equal(PasswordVerification.Success, _hasher.Verify(first, Password));
        Assert.Equal(PasswordVerification.Success, _hasher.Verify(second, Password));
    }

    [Fact]
    public void VerifyFailsWhenTheHashPartIsTamperedWith()
    {
        var phc = _hasher.Hash(Password).ToCharArray();
        var i = phc.Length - 2;
        phc[i] = phc[i] == 'A' ? 'B' : 'A';

        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(new string(phc), Password));
    }

    [Fact]
    public void AHashMadeWithLessMemoryNeedsARehashWhenTheConfiguredMemoryRises()
    {
        var phc = _hasher.Hash(Password);
        var stronger = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(memoryKiB: 16));

        Assert.Equal(PasswordVerification.SuccessRehashNeeded, stronger.Verify(phc, Password));
        Assert.Equal(PasswordVerification.Failed, stronger.Verify(phc, "wrong password entirely"));
    }

    [Fact]
    public void AHashMadeWithFewerPassesNeedsARehashWhenTheConfiguredIterationsRise()
    {
        var phc = _hasher.Hash(Password);
        var stronger = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(iterations: 2));

        Assert.Equal(PasswordVerification.SuccessRehashNeeded, stronger.Verify(phc, Password));
    }

    [Fact]
    public void ARehashedPasswordVerifiesAsPlainSuccessAtTheNewParameters()
    {
        var stronger = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(iterations: 2, memoryKiB: 16));
        Assert.Equal(PasswordVerification.SuccessRehashNeeded, stronger.Verify(_hasher.Hash(Password), Password));

        var rehashed = stronger.Hash(Password);

        Assert.StartsWith("$argon2id$v=19$m=16,t=2,p=1$", rehashed, StringComparison.Ordinal);
        Assert.Equal(PasswordVerification.Success, stronger.Verify(rehashed, Password));
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 8)]
    [InlineData(1, 16)]
    public void AHashMadeWithHigherParametersIsPlainSuccessWhenTheConfiguredParametersAreLower(int iterations, int memoryKiB)
    {
        var phc = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(iterations: 2, memoryKiB: 16)).Hash(Password);
        var weaker = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(iterations, memoryKiB));

        Assert.Equal(PasswordVerification.Success, weaker.Verify(phc, Password));
    }

    [Fact]
    public void AHashWithMoreMemoryButFewerPassesNeedsARehash()
    {
        var phc = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(iterations: 1, memoryKiB: 32)).Hash(Password);
        var configured = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(iterations: 2, memoryKiB: 16));

        Assert.Equal(PasswordVerification.SuccessRehashNeeded, configured.Verify(phc, Password));
    }

    [Theory]
    [InlineData("$sha256$n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("$argon2id$v=19$m=8,t=1,p=1$bGF0Y2hrZXlzYWx0MTIzNA$")]
    [InlineData("$argon2i$v=19$m=8,t=1,p=1$bGF0Y2hrZXlzYWx0MTIzNA$vgDyP66J4r0Uk+7vjK1Oy5WFPoN+pvlstlur4ALwQOc")]
    [InlineData("$argon2id$v=16$m=8,t=1,p=1$bGF0Y2hrZXlzYWx0MTIzNA$vgDyP66J4r0Uk+7vjK1Oy5WFPoN+pvlstlur4ALwQOc")]
    public void VerifyFailsForVerifiersThatAreNotArgon2idPhcStrings(string verifier)
    {
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(verifier, Password));
    }

    [Theory]
    [InlineData("$argon2id$v=19$m=8,t=1,p=1$")]
    [InlineData("$argon2id$v=19$m=8,t=1,p=1$c2FsdA$")]
    public void VerifyFailsForATruncatedVerifierInsteadOfThrowing(string verifier)
    {
        var hasher = new Argon2idPasswordHasher(TestPasswordOptions.Cheap());

        Assert.Equal(PasswordVerification.Failed, hasher.Verify(verifier, "correct horse battery staple"));
    }

    [Fact]
    public void VerifyFailsForAnOverlongVerifier()
    {
        var phc = _hasher.Hash(Password);

        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(phc + new string('A', 200), Password));
    }

    [Fact]
    public void DummyVerifierIsAnArgon2idPhcStringAtTheConfiguredParameters()
    {
        var hasher = new Argon2idPasswordHasher(TestPasswordOptions.Cheap(iterations: 2, memoryKiB: 16));

        var dummy = hasher.DummyVerifier;

        Assert.StartsWith("$argon2id$v=19$m=16,t=2,p=1$", dummy, StringComparison.Ordinal);
        Assert.Equal(6, dummy.Split('$').Length);
        Assert.Equal(PasswordVerification.Failed, hasher.Verify(dummy, Password));
        Assert.Equal(PasswordVerification.Failed, hasher.Verify(dummy, ""));
    }

    [Fact]
    public void DummyVerifierIsStableForOneHasher()
    {
        Assert.Equal(_hasher.DummyVerifier, _hasher.DummyVerifier);
    }

    [Theory]
    [InlineData("pässwörd mit Umlauten ß")]
    [InlineData("パスワードは長くて安全です")]
    [InlineData("🔑🔒🗝️ keys and locks 🔐")]
    public void NonAsciiPasswordsVerify(string password)
    {
        var normalized = PasswordPolicy.Normalize(password)!;

        var phc = _hasher.Hash(normalized);

        Assert.Equal(PasswordVerification.Success, _hasher.Verify(phc, PasswordPolicy.Normalize(password)!));
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(phc, normalized[..^1]));
    }

    [Fact]
    public void DifferentUnicodeFormsOfOnePasswordVerifyOnceNormalised()
    {
        const string composed = "caf\u00e9 \uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44";
        const string decomposed = "cafe\u0301 password";

        var phc = _hasher.Hash(PasswordPolicy.Normalize(composed)!);

        Assert.Equal(PasswordVerification.Success, _hasher.Verify(phc, PasswordPolicy.Normalize(decomposed)!));
        // Note: the hasher hashes the exact UTF-8 bytes it is given; normalising is the caller's job.
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(phc, decomposed));
    }
}
