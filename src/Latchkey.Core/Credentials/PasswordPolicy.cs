using System.Text;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Credentials;

/// <summary>
/// NIST SP 800-63B-4 password rules: a length floor counted in code points after NFKC, a generous ceiling, no
/// composition rules, no password from a list of commonly used ones, none that contains the login or the tenant's
/// name, and none that a cracker tries early however long it is (repetitions, sequences, keyboard walks, common
/// words and names with digit runs), as estimated by zxcvbn.
/// </summary>
internal sealed class PasswordPolicy(IOptions<LatchkeyPasswordOptions> options)
{
    private static readonly Lazy<HashSet<string>> CommonPasswords = new(LoadCommonPasswords);

    // Note: a hard byte cap bounds the hashing work an attacker can ask for, whatever MaxLength says.
    public const int MaxUtf8Bytes = 1024;

    // Note: a context word shorter than this (a tenant called "A") would refuse half the dictionary and add nothing.
    private const int MinContextWordLength = 4;

    /// <summary>
    /// zxcvbn's score (0-4) a password must reach: 3 means an estimated 10^6 seconds or more at 10,000 guesses a second
    /// (about 34 bits), which every pattern a cracker's rules generate early falls short of.
    /// </summary>
    public const int MinStrengthScore = 3;

    // Note: the estimate's cost grows with length; a prefix this long that is already strong makes the whole so.
    private const int MaxEstimatedLength = 64;

    private readonly LatchkeyPasswordOptions _options = options.Value;

    /// <summary>The password as it will be hashed (NFKC), or null when it cannot be normalised.</summary>
    public static string? Normalize(string? password)
    {
        if (password is null || Encoding.UTF8.GetMaxByteCount(password.Length) > MaxUtf8Bytes * 4)
        {
            return null;
        }

        try
        {
            var normalized = password.Normalize(NormalizationForm.FormKC);
            return Encoding.UTF8.GetByteCount(normalized) > MaxUtf8Bytes ? null : normalized;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Null when acceptable, otherwise the reason to show the user.</summary>
    /// <remarks><paramref name="minLength"/>: the tenant's own minimum, when longer than the server's.</remarks>
    public string? Check(string normalizedPassword, string normalizedLogin, string? tenantName = null, int minLength = 0)
    {
        var length = 0;
        foreach (var _ in normalizedPassword.EnumerateRunes())
        {
            length++;
        }

        var min = Math.Max(_options.MinLength, minLength);
        if (length < min)
        {
            return $"The password must be at least {min} characters long.";
        }

        if (length > _options.MaxLength)
        {
            return $"The password must be at most {_options.MaxLength} characters long.";
        }

        if (ContainsWord(normalizedPassword, normalizedLogin))
        {
            return "The password must not contain the login.";
        }

        if (ContainsWord(normalizedPassword, tenantName))
        {
            return "The password must not contain the tenant's name.";
        }

        if (IsCommon(normalizedPassword) || IsGuessable(normalizedPassword, normalizedLogin, tenantName))
        {
            // Note: one message for every reason: which list or pattern matched would help an attacker tune guesses.
            return "Too common: this password is among the first an attacker tries (repeats, sequences, keyboard patterns, " +
                "common words or names with digits). Choose a longer passphrase of unrelated words.";
        }

        return null;
    }

    /// <summary>Whether zxcvbn estimates the password below <see cref="MinStrengthScore"/>, given what the user is known by.</summary>
    public static bool IsGuessable(string normalizedPassword, string? normalizedLogin = null, string? tenantName = null)
    {
        var prefix = normalizedPassword;
        if (prefix.Length > MaxEstimatedLength)
        {
            // Note: never split a surrogate pair.
            var cut = char.IsHighSurrogate(prefix[MaxEstimatedLength - 1]) ? MaxEstimatedLength - 1 : MaxEstimatedLength;
            prefix = prefix[..cut];
        }

        string[] context = [.. new[] { normalizedLogin, tenantName }.OfType<string>().Where(w => w.Length >= MinContextWordLength)];
        return Zxcvbn.Zxcvbn.MatchPassword(prefix, context).Score < MinStrengthScore;
    }

    private static bool ContainsWord(string password, string? word)
    {
        var trimmed = word?.Trim();
        return trimmed is { Length: >= MinContextWordLength } && password.Contains(trimmed, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether the password, compared case-insensitively, is one of the 30,000 most common.</summary>
    public static bool IsCommon(string normalizedPassword) =>
        CommonPasswords.Value.Contains(normalizedPassword.ToLowerInvariant());

    private static HashSet<string> LoadCommonPasswords()
    {
        // Note: shipped as data in the assembly (see Data/common-passwords.txt for its source and licence).
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream("Latchkey.Core.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is missing from Latchkey.Core.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                set.Add(line.ToLowerInvariant());
            }
        }

        return set;
    }
}
