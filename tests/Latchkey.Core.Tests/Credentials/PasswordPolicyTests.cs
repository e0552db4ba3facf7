using Latchkey.Core.Credentials;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Tests.Credentials;

public sealed class PasswordPolicyTests
{
    private const string Login = "alice";

    // Note: no pattern a cracker tries early, so that length rules are tested alone.
    private const string Unguessable = "kT9#vQ2mZp7!rL4xWb8sNc3@hJ6yFd5$gM1tXq0&uE2wRz7*oP9aYs4^iK8bVn3%";

    /// <summary>A password of <paramref name="length"/> code points that passes every rule but length.</summary>
    private static string Strong(int length) =>
        length <= Unguessable.Length ? Unguessable[..length] : Unguessable + new string('x', length - Unguessable.Length);

    private static PasswordPolicy Policy(int? minLength = null, int? maxLength = null)
    {
        var options = new LatchkeyPasswordOptions();
        options.MinLength = minLength ?? options.MinLength;
        options.MaxLength = maxLength ?? options.MaxLength;
        return new PasswordPolicy(Options.Create(options));
    }

    [Theory]
    [InlineData("123456789012345")]
    [InlineData("aaaaaaaaaaaaaaaa")]
    [InlineData("passwordpassword")]
    [InlineData("qwertyuiopasdfghjkl")]
    [InlineData("1qaz2wsx3edc4rfv")]
    [InlineData("abcdefghijklmnop")]
    [InlineData("monkey1234567890")]
    [InlineData("iloveyou12345678")]
    [InlineData("Password2024!Password2024!")]
    public void CheckRejectsLongPasswordsThatACrackerTriesEarly(string password)
    {
        var reason = Policy().Check(password, Login);

        Assert.NotNull(reason);
        Assert.StartsWith("Too common", reason);
    }

    [Fact]
    public void CheckRejectsALongPasswordBuiltFromTheLogin()
    {
        Assert.NotNull(Policy().Check("maximilian1987maximilian", "maximilian.schmidt@example.com"));
    }

    [Theory]
    [InlineData("correct horse battery staple")]
    [InlineData("my cat is called felix")]
    [InlineData("spring time in paris 1999")]
    public void CheckAcceptsAPassphraseOfSeveralWords(string password)
    {
        Assert.Null(Policy().Check(password, Login));
    }

    [Fact]
    public void CheckAcceptsALongPasswordThatDoesNotContainTheLogin()
    {
        Assert.Null(Policy().Check("correct horse battery staple", Login));
    }

    [Fact]
    public void CheckRejectsAPasswordOneCodePointShorterThanTheDefaultMinimumOf15()
    {
        Assert.NotNull(Policy().Check(Strong(14), Login));
        Assert.Null(Policy().Check(Strong(15), Login));
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

        Assert.Null(policy.Check(Strong(8), Login));
        var reason = policy.Check(Strong(7), Login);
        Assert.NotNull(reason);
        Assert.Contains("8", reason);
    }

    [Fact]
    public void CheckRejectsAPasswordLongerThanMaxLength()
    {
        var policy = Policy();

        Assert.Null(policy.Check(Strong(256), Login));
        var reason = policy.Check(Strong(257), Login);
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
