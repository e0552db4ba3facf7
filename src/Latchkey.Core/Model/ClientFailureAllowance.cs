namespace Latchkey.Core.Model;

/// <summary>
/// A client's allowance of failed password checks (a token bucket), shared by every instance on PostgreSQL; on SQLite
/// (one instance) the allowance stays in memory and this table stays empty.
/// </summary>
internal sealed class ClientFailureAllowance
{
    public const int MaxClientLength = 64;

    /// <summary>The client as <c>ClientPartition</c> names it: an IPv4 address or an IPv6 prefix.</summary>
    public required string Client { get; set; }

    /// <summary>Failures left at <see cref="UpdatedAt"/>; may be below zero (see <c>FailedAttemptLimit</c>).</summary>
    public double Tokens { get; set; }

    /// <summary>When <see cref="Tokens"/> was last computed, by the database's clock.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}
