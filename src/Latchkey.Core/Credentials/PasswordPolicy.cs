using System.Text;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Credentials;

/// <summary>
/// NIST SP 800-63B-4 password rules: a length floor counted in code points after NFKC, a generous ceiling, no
/// composition rules, and no password that contains the login.
/// </summary>
internal sealed class PasswordPolicy(IOptions<LatchkeyPasswordOptions> options)
{
    // Note: a hard byte cap bounds the hashing work an attacker can ask for, whatever MaxLength says.
    public const int MaxUtf8Bytes = 1024;

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
    public string? Check(string normalizedPassword, string normalizedLogin)
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

        if (normalizedPassword.Contains(normalizedLogin, StringComparison.OrdinalIgnoreCase))
        {
            return "The password must not contain the login.";
        }

        return null;
    }
}
