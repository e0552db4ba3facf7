using System.Text;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Credentials;

/// <summary>
/// NIST SP 800-63B-4 password rules: a length floor counted in code points after NFKC, a generous ceiling, no
/// composition rules, no password from a list of commonly used ones, and none that contains the login or the
/// tenant's name.
/// </summary>
internal sealed class PasswordPolicy(IOptions<LatchkeyPasswordOptions> options)
{
    private static readonly Lazy<HashSet<string>> CommonPasswords = new(LoadCommonPasswords);

    // Note: a hard byte cap bounds the hashing work an attacker can ask for, whatever MaxLength says.
    public const int MaxUtf8Bytes = 1024;

    // Note: a context word shorter than this (a tenant called "A") would refuse half the dictionary and add nothing.
    private const int MinContextWordLength = 4;

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
    public string? Check(string normalizedPassword, string normalizedLogin, string? tenantName = null)
    {
        var length = 0;
        foreach (var _ in normalizedPassword.EnumerateRunes())
        {
            length++;
        }

        if (length < _options.MinLength)
        {
            return $"The password must be at least {_options.MinLength} characters long.";
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

        if (IsCommon(normalizedPassword))
        {
            return "The password is on a list of commonly used passwords.";
        }

        return null;
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
