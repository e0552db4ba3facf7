namespace Latchkey.Core.Model;

/// <summary>
/// An invitation of a person, by address, into a tenant with a role (<c>invitations</c>). Only the SHA-256 digest of
/// its token is stored; accepting it creates the person with the address as login and as a verified address.
/// </summary>
internal sealed class Invitation
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public required string Email { get; set; }

    public TenantRole Role { get; set; }

    public required byte[] Digest { get; set; }

    /// <summary>Who invited (null: an operator with the CLI).</summary>
    public Guid? InvitedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set when accepted or revoked: the invitation is then spent.</summary>
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The user the acceptance created; null while pending or when revoked.</summary>
    public Guid? AcceptedUserId { get; set; }
}
