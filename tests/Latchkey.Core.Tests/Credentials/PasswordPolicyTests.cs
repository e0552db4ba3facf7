using Latchkey.Core.Credentials;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Tests.Credentials;

public sealed class PasswordPolicyTests
{
    private const string Login = "alice";

    private static PasswordPolicy Policy(int? minLength = null, int? maxLength = null)
    {
        var options = new LatchkeyPasswordOptions();
        options.MinLength = minLength ?? options.MinLength;
        options.MaxLength = maxLength ?? options.MaxLength;
        return new PasswordPolicy(Options.Create(options));
    }

    [Fact]
    public void CheckAcceptsALongPasswordThatDoesNotContainTheLogin()
    {
        Assert.Null(Policy().Check("correct horse battery staple", Login));
    }

    [Fact]
    public void CheckRejectsAPasswordOneCodePointShorterThanTheDefaultMinimumOf15()
    {
        Assert.NotNull(Policy().Check(new string('x', 14), Login));
        Assert.Null(Policy().Check(new string('x', 15), Login));
    }

    [Fact]
    public void CheckCountsCodePointsSo14EmojiAreTooShortThough28Utf16Chars()
    {
        var password = string.Concat(Enumerable.Repeat("🔑", 14));
        Assert.Equal(28, password.Length);

        var reason = Policy().Check(password, Login);

        Assert.NotNull(reason);
        Assert.Contains("15", reason);
    }

    [Fact]
    public void CheckAccepts15Emoji()
    {
        Assert.Null(Policy().Check(string.Concat(Enumerable.Repeat("🔑", 15)), Login));
    }

    [Fact]
    public void MinLengthIsConfigurable()
    {
        var policy = Policy(minLength: 8);

        Assert.Null(policy.Check("abcdefgh", Login));
        var reason = policy.Check("abcdefg", Login);
        Assert.NotNull(reason);
        Assert.Contains("8", reason);
    }

    [Fact]
    public void CheckRejectsAPasswordLongerThanMaxLength()
    {
        var policy = Policy();

        Assert.Null(policy.Check(new string('x', 256), Login));
        var reason = policy.Check(new string('x', 257), Login);
        Assert.NotNull(reason);
        Assert.Contains("256", reason);
    }

    [Fact]
    public void MaxLengthIsConfiguredAndCountedInCodePoints()
    {
        var policy = Policy(minLength: 4, maxLength: 20);

        Assert.Null(policy.Check(string.Concat(Enumerable.Repeat("🔑", 20)), Login));
        Assert.NotNull(policy.Check(string.Concat(Enumerable.Repeat("🔑", 21)), Login));
    }

    [Theory]
    [InlineData("alice-correct-horse-battery")]
    [InlineData("correct-horse-ALICE-battery")]
    [InlineData("correct horse battery AlIcE")]
    public void CheckRejectsAPasswordContainingTheLoginInAnyCase(string password)
    {
        var reason = Policy().Check(password, Login);

        Assert.NotNull(reason);
        Assert.Contains("login", reason);
    }

    [Fact]
    public void NormalizeAppliesNfkcSoFullwidthLettersBecomeAscii()
    {
        Assert.Equal("password", PasswordPolicy.Normalize("\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44"));
        Assert.Equal("fi", PasswordPolicy.Normalize("\ufb01"));
        Assert.Equal("caf\u00e9", PasswordPolicy.Normalize("cafe\u0301"));
    }

    [Fact]
    public void NormalizeKeepsCaseAndSpaces()
    {
        Assert.Equal(" Correct Horse ", PasswordPolicy.Normalize(" Correct Horse "));
    }

    [Fact]
    public void NormalizeReturnsNullForNull()
    {
        Assert.Null(PasswordPolicy.Normalize(null));
    }

    [Fact]
    public void NormalizeAcceptsExactly1024Utf8BytesAndRejectsOneMore()
    {
        Assert.Equal(new string('a', 1024), PasswordPolicy.Normalize(new string('a', 1024)));
        Assert.Null(PasswordPolicy.Normalize(new string('a', 1025)));
    }

    [Fact]
    public void NormalizeCountsUtf8BytesNotChars()
    {
        // Note: '€' is three UTF-8 bytes, so 342 of them are 1026 bytes in only 342 chars.
        Assert.NotNull(PasswordPolicy.Normalize(new string('€', 341)));
        Assert.Null(PasswordPolicy.Normalize(new string('€', 342)));
    }

    [Fact]
    public void NormalizeMeasuresTheNormalisedPassword()
    {
        // Note: U+FDFA expands under NFKC to 18 Arabic letters and spaces; 40 of them are far more than 1024 bytes.
        var password = new string('\ufdfa', 40);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(password) < 1024);

        Assert.Null(PasswordPolicy.Normalize(password));
    }

    [Fact]
    public void NormalizeReturnsNullForALoneSurrogate()
    {
        // Note: attribute arguments are stored as UTF-8, which cannot hold a lone surrogate, so these stay in code.
        string[] passwords = ["correct horse \ud800 battery", "correct horse \udc00 battery", "correct horse battery \ud83d"];

        Assert.All(passwords, password => Assert.Null(PasswordPolicy.Normalize(password)));
    }

    [Fact]
    public void CheckRejectsAPasswordContainingTheTenantName()
    {
        var reason = Policy().Check("we love initech here forever", Login, "Initech");

        Assert.NotNull(reason);
        Assert.Contains("tenant", reason);
    }

    [Theory]
    [InlineData("bob", "A")]
    [InlineData("al", "Acm")]
    public void CheckIgnoresContextWordsShorterThanFourCharacters(string login, string tenant)
    {
        Assert.Null(Policy().Check("correct horse battery staple al bob acm", login, tenant));
    }

    [Theory]
    [InlineData("1qaz2wsx3edc4rfv")]
    [InlineData("QAZWSXEDCRFVTGB")]
    public void CheckRejectsAPasswordOnTheCommonPasswordList(string password)
    {
        var reason = Policy().Check(password, Login);

        Assert.NotNull(reason);
        Assert.Contains("common", reason);
    }

    [Fact]
    public void TheCommonPasswordListHoldsAtLeastTenThousandEntries()
    {
        Assert.True(PasswordPolicy.IsCommon("123456"));
        Assert.True(PasswordPolicy.IsCommon("PASSWORD"));
        Assert.False(PasswordPolicy.IsCommon("correct horse battery staple"));
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream("Latchkey.Core.common-passwords.txt")!;
        var entries = new StreamReader(stream).ReadToEnd().Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#'));
        Assert.True(entries >= 10_000, $"{entries} entries");
    }
}
