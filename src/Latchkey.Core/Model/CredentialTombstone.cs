using Latchkey.Core.Credentials;

namespace Latchkey.Core.Model;

/// <summary>
/// What is left of an ended API key or machine token, so that its holder can be told why it stopped working. Note:
/// it keeps the digest of the secret (as the live row did), so that only the holder of the very credential hears the
/// reason: a guessed or forged token with a known public part gets none.
/// </summary>
internal sealed class CredentialTombstone
{
    public Guid Id { get; set; }

    /// <summary>The key id of an API key, or a machine user's login (several tokens of one machine user share it).</summary>
    public required string PublicPart { get; set; }

    public required byte[] Digest { get; set; }

    /// <summary>The app id an API key was issued for; null for a machine token.</summary>
    public string? AppId { get; set; }

    public CredentialEndReason Reason { get; set; }

    public DateTimeOffset EndedAt { get; set; }
}
