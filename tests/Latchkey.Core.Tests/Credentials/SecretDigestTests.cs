using System.Security.Cryptography;
using Latchkey.Core.Credentials;

namespace Latchkey.Core.Tests.Credentials;

public sealed class SecretDigestTests
{
    private static byte[] NewDigest() => SHA256.HashData(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void ToVerifierIsTheSha256IdentifierThenTheBase64Digest()
    {
        var digest = NewDigest();

        var verifier = SecretDigest.ToVerifier(digest);

        Assert.StartsWith("$sha256$", verifier, StringComparison.Ordinal);
        Assert.Equal(digest, Convert.FromBase64String(verifier["$sha256$".Length..]));
        Assert.True(SecretDigest.IsDigestVerifier(verifier));
    }

    [Fact]
    public void MatchesIsTrueForTheDigestTheVerifierWasMadeFrom()
    {
        var digest = NewDigest();

        Assert.True(SecretDigest.Matches(SecretDigest.ToVerifier(digest), digest));
    }

    [Fact]
    public void MatchesIsFalseForAnotherDigest()
    {
        var verifier = SecretDigest.ToVerifier(NewDigest());

        Assert.False(SecretDigest.Matches(verifier, NewDigest()));
    }

    [Fact]
    public void MatchesIsFalseForADigestWithOneBitFlipped()
    {
        var digest = NewDigest();
        var verifier = SecretDigest.ToVerifier(digest);
        digest[^1] ^= 1;

        Assert.False(SecretDigest.Matches(verifier, digest));
    }

    [Fact]
    public void MatchesIsFalseForAnArgon2idPhcString()
    {
        var hasher = new Argon2idPasswordHasher(TestPasswordOptions.Cheap());
        var phc = hasher.Hash("correct horse battery staple");

        Assert.False(SecretDigest.IsDigestVerifier(phc));
        Assert.False(SecretDigest.Matches(phc, NewDigest()));
    }

    [Theory]
    [InlineData("$sha256$")]
    [InlineData("$sha256$!!!! not base64 !!!!")]
    [InlineData("$sha256$AAAA=AAAA")]
    [InlineData("")]
    [InlineData("garbage")]
    public void MatchesIsFalseForGarbage(string verifier)
    {
        Assert.False(SecretDigest.Matches(verifier, NewDigest()));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void MatchesIsFalseWhenTheStoredDigestHasTheWrongLength(int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);

        Assert.False(SecretDigest.Matches(SecretDigest.ToVerifier(bytes), bytes));
        Assert.False(SecretDigest.Matches((ReadOnlySpan<byte>)bytes, bytes));
    }

    [Fact]
    public void MatchesIsFalseWhenThePresentedDigestIsAPrefixOfTheStoredOne()
    {
        var digest = NewDigest();

        Assert.False(SecretDigest.Matches(SecretDigest.ToVerifier(digest), digest.AsSpan(0, 31)));
        Assert.False(SecretDigest.Matches((ReadOnlySpan<byte>)digest, digest.AsSpan(0, 31)));
    }

    [Fact]
    public void RawMatchesCompareStoredAndPresentedDigests()
    {
        var digest = NewDigest();

        Assert.True(SecretDigest.Matches((ReadOnlySpan<byte>)digest, (byte[])digest.Clone()));
        Assert.False(SecretDigest.Matches((ReadOnlySpan<byte>)digest, NewDigest()));
    }
}
