namespace Latchkey.Core.Services;

/// <summary>Free text from clients (tenant names, app names, machine-user names).</summary>
internal static class TextInput
{
    /// <summary>The trimmed text, or null when it is empty, too long, or holds control characters or lone surrogates.</summary>
    public static string? Clean(string? text, int maxLength)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > maxLength)
        {
            return null;
        }

        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (char.IsControl(c) || char.IsLowSurrogate(c))
            {
                return null;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= trimmed.Length || !char.IsLowSurrogate(trimmed[i + 1]))
                {
                    return null;
                }

                i++;
            }
        }

        return trimmed;
    }
}
