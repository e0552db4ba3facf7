using System.Globalization;
using System.Text;

namespace Latchkey.Core.Services;

/// <summary>
/// Client-supplied text bound for a log line: control and format characters are escaped (<c>\u000a</c>), so a value
/// cannot forge a log entry or hide itself (OWASP Logging cheat sheet: log injection), and it is capped in length.
/// </summary>
internal static class LogText
{
    public const int MaxLength = 200;

    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var builder = new StringBuilder(Math.Min(value.Length, MaxLength) + 16);
        foreach (var rune in value.EnumerateRunes())
        {
            if (builder.Length >= MaxLength)
            {
                builder.Append('…');
                break;
            }

            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:x4}");
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }
}
