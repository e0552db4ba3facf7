namespace Latchkey.Core.Model;

/// <summary>
/// The permits handed out in one fixed window for one (credential, rate-limit policy): instances lease them from here
/// in blocks, so one counter holds across the cluster on PostgreSQL. Rows of ended windows are purged.
/// </summary>
internal sealed class RateLimitWindow
{
    public const int MaxKeyLength = 200;

    /// <summary>The credential and the policy, e.g. <c>m:{userId}|default</c>.</summary>
    public required string Key { get; set; }

    /// <summary>The window's start in seconds since the Unix epoch (a multiple of its length).</summary>
    public long WindowStart { get; set; }

    /// <summary>The window's end in seconds since the Unix epoch, after which the row can go.</summary>
    public long WindowEnd { get; set; }

    /// <summary>Permits leased so far; may exceed the limit by up to one block, of which only what fits was granted.</summary>
    public long Used { get; set; }
}
