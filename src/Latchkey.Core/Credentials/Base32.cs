namespace Latchkey.Core.Credentials;

/// <summary>
/// Lower-case RFC 4648 base32 without padding: URL-safe, selectable with a double click, and free of the
/// look-alike pairs of base64 that people copy wrongly.
/// </summary>
internal static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static int EncodedLength(int byteCount) => (byteCount * 8 + 4) / 5;

    public static void Encode(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        int buffer = 0, bits = 0, written = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                destination[written++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            destination[written] = Alphabet[(buffer << (5 - bits)) & 31];
        }
    }

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = stackalloc char[EncodedLength(bytes.Length)];
        Encode(bytes, chars);
        return new string(chars);
    }

    /// <summary>Decodes exactly <paramref name="destination"/>.Length bytes; false on any character outside the alphabet.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> destination)
    {
        if (text.Length != EncodedLength(destination.Length))
        {
            return false;
        }

        int buffer = 0, bits = 0, written = 0;
        foreach (var c in text)
        {
            int value = c switch
            {
                >= 'a' and <= 'z' => c - 'a',
                >= '2' and <= '7' => c - '2' + 26,
                _ => -1,
            };
            if (value < 0)
            {
                return false;
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                destination[written++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }

        // Note: the unused low bits must be zero, so that each byte string has exactly one encoding.
        return (buffer & ((1 << bits) - 1)) == 0;
    }
}
