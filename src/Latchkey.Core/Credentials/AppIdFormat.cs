namespace Latchkey.Core.Credentials;

/// <summary>An app id is chosen by the client: 8 to 128 characters of <c>[A-Za-z0-9._~-]</c> (RFC 3986 unreserved).</summary>
internal static class AppIdFormat
{
    public const int MinLength = 8;
    public const int MaxLength = 128;

    public static bool IsValid(ReadOnlySpan<char> appId)
    {
        if (appId.Length is < MinLength or > MaxLength)
        {
            return false;
        }

        foreach (var c in appId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
