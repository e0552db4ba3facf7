namespace Latchkey.Core.Model;

/// <summary>
/// The state between a login's right password and its second factor: the <c>mfaToken</c>'s digest, whom it is for,
/// the app instance it is bound to, and how many wrong codes it has seen.
/// </summary>
internal sealed class MfaChallenge
{
    public Guid Id { get; set; }

    // Note: only the digest: a copy of the database gives no token that could finish someone's login.
    public required byte[] TokenDigest { get; set; }

    public Guid UserId { get; set; }

    public Guid TenantId { get; set; }

    public required string AppId { get; set; }

    public string? AppName { get; set; }

    /// <summary>The user's credential version at the first step: a password change in between voids the challenge.</summary>
    public int CredentialVersion { get; set; }

    /// <summary>Wrong codes so far; the challenge dies at <c>MfaLoginService.MaxFailures</c>.</summary>
    public int Failures { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
