namespace Latchkey.Core.Model;

/// <summary>
/// A single-use token sent by e-mail (<c>email_tokens</c>): verify an address or reset a password. Only the SHA-256
/// digest of the token is stored, so a copy of the database opens nothing.
/// </summary>
internal sealed class EmailToken
{
    public Guid Id { get; set; }

    public EmailTokenPurpose Purpose { get; set; }

    public Guid UserId { get; set; }

    public Guid TenantId { get; set; }

    /// <summary>The SHA-256 digest of the token's random part (32 bytes); unique.</summary>
    public required byte[] Digest { get; set; }

    /// <summary>For a verification: the address it verifies (the change takes effect when it is opened).</summary>
    public string? Email { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Used, or voided by a newer token or a completed reset. Kept until an hour after creation for the rate limit.</summary>
    public bool Consumed { get; set; }
}

internal enum EmailTokenPurpose
{
    VerifyEmail = 0,
    ResetPassword = 1,
}
