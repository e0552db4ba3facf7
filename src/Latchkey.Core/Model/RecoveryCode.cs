namespace Latchkey.Core.Model;

/// <summary>One single-use recovery code of a person with a second factor; only its digest is stored.</summary>
internal sealed class RecoveryCode
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public Guid TenantId { get; set; }

    /// <summary>SHA-256 of the user id and the normalised code (see <c>RecoveryCodes</c>).</summary>
    public required byte[] Digest { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
