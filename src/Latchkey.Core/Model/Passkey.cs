namespace Latchkey.Core.Model;

/// <summary>
/// A person's passkey (a WebAuthn public key credential): what verifying its assertions needs, and what the account
/// page shows of it. Note: only public data: a copy of this table lets nobody sign in.
/// </summary>
internal sealed class Passkey
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public Guid TenantId { get; set; }

    /// <summary>The credential id the authenticator chose (at most 1023 bytes, WebAuthn §5.8.3); unique across the service.</summary>
    public required byte[] CredentialId { get; set; }

    /// <summary>The COSE-encoded public key from the attestation.</summary>
    public required byte[] PublicKey { get; set; }

    /// <summary>
    /// The last signature counter seen. An assertion whose counter is not greater (when either is non-zero) is refused
    /// as a possible clone (WebAuthn §7.2 step 21); it moves forward by compare-and-set, so across instances.
    /// </summary>
    public long SignCount { get; set; }

    /// <summary>The BE flag at registration: fixed for the credential's life (WebAuthn §6.1.3); a change is refused.</summary>
    public bool BackupEligible { get; set; }

    /// <summary>The BS flag of the latest ceremony: whether the key is backed up (synced) now.</summary>
    public bool BackedUp { get; set; }

    /// <summary>The authenticator model's AAGUID (all zeros for most synced passkeys without attestation).</summary>
    public Guid Aaguid { get; set; }

    /// <summary>The transports the browser reported (comma-separated), handed back as hints in later ceremonies.</summary>
    public string? Transports { get; set; }

    /// <summary>A name the person gave it, or one made from the browser.</summary>
    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
}
