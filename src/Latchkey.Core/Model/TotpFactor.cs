namespace Latchkey.Core.Model;

/// <summary>A person's authenticator app (RFC 6238): pending until a first code confirms it.</summary>
internal sealed class TotpFactor
{
    public Guid UserId { get; set; }

    public Guid TenantId { get; set; }

    // Note: the shared secret is needed in the clear to compute codes, so it cannot be a digest; it is encrypted with
    // the host's key ring (ISecretProtector) so that a copy of the database alone yields no second factor.
    public required string ProtectedSecret { get; set; }

    /// <summary>Null while enrolment is pending: a pending factor is no factor (it neither asks nor counts).</summary>
    public DateTimeOffset? ConfirmedAt { get; set; }

    /// <summary>
    /// The last time step whose code was accepted: a code of this step or an earlier one is refused (RFC 6238 §5.2),
    /// also on another instance, since the step is moved forward by compare-and-set in the database.
    /// </summary>
    public long? LastStep { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
