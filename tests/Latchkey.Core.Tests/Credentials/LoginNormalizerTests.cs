using Latchkey.Core.Credentials;

namespace Latchkey.Core.Tests.Credentials;

public sealed class LoginNormalizerTests
{
    [Theory]
    [InlineData("Alice", "alice")]
    [InlineData("ALICE@EXAMPLE.COM", "alice@example.com")]
    [InlineData("ÉLODIE", "élodie")]
    public void NormalizeFoldsCase(string login, string expected)
    {
        Assert.Equal(expected, LoginNormalizer.Normalize(login));
    }

    [Theory]
    [InlineData("STRASSE", "straße")]
    [InlineData("Strasse", "STRAẞE")]
    [InlineData("ΟΔΥΣΣΕΥΣ", "οδυσσευς")]
    [InlineData("ﬁle", "FILE")]
    [InlineData("Ǆ", "ǆ")]
    public void LoginsThatLookTheSameToPeopleNormaliseAlike(string one, string other)
    {
        Assert.NotNull(LoginNormalizer.Normalize(one));
        Assert.Equal(LoginNormalizer.Normalize(one), LoginNormalizer.Normalize(other));
    }

    [Theory]
    [InlineData("İstanbul")]
    [InlineData("STRAẞE")]
    [InlineData("ΣΊΣΥΦΟΣ")]
    public void NormalisingANormalisedLoginChangesNothing(string login)
    {
        var once = LoginNormalizer.Normalize(login)!;
        Assert.Equal(once, LoginNormalizer.Normalize(once));
    }

    [Fact]
    public void FullwidthLoginNormalisesToTheSameAsAscii()
    {
        Assert.Equal(LoginNormalizer.Normalize("alice"), LoginNormalizer.Normalize("\uff41\uff4c\uff49\uff43\uff45"));
        Assert.Equal("alice", LoginNormalizer.Normalize("\uff21\uff2c\uff29\uff23\uff25"));
    }

    [Fact]
    public void ComposedAndDecomposedAccentsNormaliseAlike()
    {
        Assert.Equal(LoginNormalizer.Normalize("Jos\u00e9"), LoginNormalizer.Normalize("jose\u0301"));
    }

    [Theory]
    [InlineData("  alice  ")]
    [InlineData("\talice\n")]
    [InlineData("\u3000alice\u00a0")]
    public void NormalizeTrimsSurroundingWhitespace(string login)
    {
        Assert.Equal("alice", LoginNormalizer.Normalize(login));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\r\n")]
    [InlineData("\u3000")]
    public void NormalizeRejectsMissingLogins(string? login)
    {
        Assert.Null(LoginNormalizer.Normalize(login));
    }

    [Fact]
    public void NormalizeAcceptsTheMaximumLengthAndRejectsOneMore()
    {
        Assert.Equal(new string('a', 256), LoginNormalizer.Normalize(new string('A', 256)));
        Assert.Null(LoginNormalizer.Normalize(new string('a', 257)));
        Assert.Null(LoginNormalizer.Normalize(new string('a', 100_000)));
    }

    [Fact]
    public void NormalizeMeasuresTheNormalisedLogin()
    {
        // Note: each U+FDFA expands under NFKC to 18 characters.
        Assert.Null(LoginNormalizer.Normalize(new string('\ufdfa', 20)));
    }

    [Theory]
    [InlineData("ali\u0000ce")]
    [InlineData("ali\nce")]
    [InlineData("ali\u0007ce")]
    [InlineData("ali\u001bce")]
    [InlineData("ali\u007fce")]
    [InlineData("ali\u0085ce")]
    public void NormalizeRejectsControlCharacters(string login)
    {
        Assert.Null(LoginNormalizer.Normalize(login));
    }

    [Theory]
    [InlineData("ali\u200bce")]
    [InlineData("ali\u200dce")]
    [InlineData("\u202ealice")]
    [InlineData("alice\u2066")]
    [InlineData("ali\u00adce")]
    [InlineData("\ufeffalice")]
    [InlineData("ali\u2028ce")]
    [InlineData("ali\u2029ce")]
    public void NormalizeRejectsZeroWidthBidiAndSeparatorCharacters(string login)
    {
        Assert.Null(LoginNormalizer.Normalize(login));
    }

    [Fact]
    public void NormalizeRejectsALoneSurrogate()
    {
        // Note: attribute arguments are stored as UTF-8, which cannot hold a lone surrogate, so these stay in code.
        string[] logins = ["ali\ud800ce", "alice\udc00", "\ud83dalice"];

        Assert.All(logins, login => Assert.Null(LoginNormalizer.Normalize(login)));
    }

    [Fact]
    public void NormalizeRejectsAnInvisibleFormatCharacterOutsideTheBasicPlane()
    {
        // Note: U+E0041 (a tag character) is a surrogate pair in UTF-16; it would make "alice" look-alikes.
        Assert.Null(LoginNormalizer.Normalize("alice\U000E0041"));
    }

    [Fact]
    public void NormalizeKeepsCharactersOutsideTheBasicPlane()
    {
        Assert.Equal("alice🙂", LoginNormalizer.Normalize("Alice🙂"));
    }
}
