using MimeKit;

namespace Latchkey.Core.Email;

/// <summary>
/// A person's e-mail address, checked with MimeKit's parser: one bare addr-spec (no display name, no group, no
/// route), no control characters (CR/LF would forge headers), at most 254 characters (RFC 5321 §4.5.3.1), the domain
/// lower-cased. Headers are always built from a parsed <see cref="MailboxAddress"/>, never by string concatenation.
/// </summary>
internal static class EmailAddress
{
    public const int MaxLength = 254;

    private static readonly ParserOptions Strict = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Strict,
        AllowAddressesWithoutDomain = false,
        AllowUnquotedCommasInAddresses = false,
    };

    /// <summary>The normalised address, or null when <paramref name="text"/> is not one acceptable address.</summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return null;
        }

        if (!MailboxAddress.TryParse(Strict, text, out var mailbox) || !string.IsNullOrEmpty(mailbox.Name) || mailbox.Route.Count > 0)
        {
            return null;
        }

        var address = mailbox.Address;
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1 || !string.Equals(address, text, StringComparison.Ordinal))
        {
            return null;
        }

        // Note: the local part is the receiving domain's business (RFC 5321 §2.4); the domain is not case-sensitive.
        return string.Concat(address.AsSpan(0, at + 1), address[(at + 1)..].ToLowerInvariant());
    }

    /// <summary>Whether a login looks like an address that can be taken over as the person's e-mail address.</summary>
    public static string? FromLogin(string normalizedLogin) => normalizedLogin.Contains('@') ? Normalize(normalizedLogin) : null;
}
