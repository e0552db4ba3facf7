namespace Latchkey.Core.Model;

/// <summary>
/// A machine user's own rate limit, set by its tenant's owners and admins: it replaces the permits and window of every
/// endpoint limited by <c>RequireRateLimit</c> for that machine user.
/// </summary>
internal sealed class MachineUserRateLimit
{
    public const int MaxPermits = 100_000_000;
    public const int MaxWindowSeconds = 86_400;

    public Guid UserId { get; set; }

    public Guid TenantId { get; set; }

    public int Permits { get; set; }

    public int WindowSeconds { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
