using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Latchkey.Core.Credentials;

/// <summary>
/// Unicode default full case folding (Unicode §3.13), from the Unicode Character Database's own table shipped as data
/// (<c>Data/case-folding.txt</c>, its version in the header). Unlike <see cref="string.ToLowerInvariant"/> it maps
/// <c>ß</c> to <c>ss</c> and final sigma to sigma, so logins that look the same to people compare equal.
/// </summary>
internal static class CaseFolding
{
    private static readonly Lazy<FrozenDictionary<int, string>> Table = new(Load);

    public static string Fold(string text)
    {
        var table = Table.Value;
        StringBuilder? folded = null;
        var index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (table.TryGetValue(rune.Value, out var mapping))
            {
                folded ??= new StringBuilder(text.Length + 8).Append(text, 0, index);
                folded.Append(mapping);
            }
            else
            {
                folded?.Append(rune.ToString());
            }

            index += rune.Utf16SequenceLength;
        }

        return folded?.ToString() ?? text;
    }

    private static FrozenDictionary<int, string> Load()
    {
        using var stream = typeof(CaseFolding).Assembly.GetManifestResourceStream("Latchkey.Core.case-folding.txt")
            ?? throw new InvalidOperationException("The case-folding table is missing from Latchkey.Core.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var table = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split(';', 4, StringSplitOptions.TrimEntries);
            if (fields[1] is not ("C" or "F"))
            {
                continue;
            }

            var mapping = new StringBuilder();
            foreach (var code in fields[2].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                mapping.Append(char.ConvertFromUtf32(int.Parse(code, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            table[int.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = mapping.ToString();
        }

        return table.ToFrozenDictionary();
    }
}
