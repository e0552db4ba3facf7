using System.Globalization;
using System.Text;

namespace Latchkey.Core.Credentials;

/// <summary>Logins are unique across the service after Unicode NFKC normalisation and case folding.</summary>
internal static class LoginNormalizer
{
    public const int MaxLength = 256;

    /// <summary>The normalised login, or null when it is empty, too long, or holds control or invalid characters.</summary>
    public static string? Normalize(string? login)
    {
        if (string.IsNullOrWhiteSpace(login) || login.Length > MaxLength * 4)
        {
            return null;
        }

        string normalized;
        try
        {
            // Note: NFKC, then full case folding, then NFKC again: folding can yield a sequence that NFKC composes
            // differently (U+0130 folds to i + U+0307), and the stored form must be a fixed point.
            normalized = CaseFolding.Fold(login.Trim().Normalize(NormalizationForm.FormKC)).Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            // Note: string.Normalize throws on lone surrogates; such a login is simply invalid.
            return null;
        }

        if (normalized.Length == 0 || normalized.Length > MaxLength)
        {
            return null;
        }

        // Note: control and format characters (bidi overrides, zero-width joiners) let two logins look alike or
        // rewrite log lines, so they are refused rather than stripped.
        foreach (var rune in normalized.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return null;
            }
        }

        return normalized;
    }
}
