namespace Latchkey.AspNetCore.RateLimiting;

/// <summary>
/// Per-credential rate limits on the endpoints that ask for them (<c>Latchkey:RateLimits</c>): named policies for
/// <c>RequireRateLimit("name")</c>, and how the permits are shared between instances.
/// </summary>
public sealed class LatchkeyRateLimitOptions
{
    public const string Section = "Latchkey:RateLimits";

    /// <summary>The named policies, e.g. <c>Latchkey:RateLimits:Policies:reports:Permits</c> = 1000. Empty by default.</summary>
    public Dictionary<string, LatchkeyRateLimitPolicy> Policies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How many instances usually share the database. On PostgreSQL each instance leases permits from the database in
    /// blocks of <c>max(1, permits / (10 × ExpectedInstances))</c>, so that the permits instances may hold unused at
    /// once stay under a tenth of the limit. Defaults to 3.
    /// </summary>
    public int ExpectedInstances { get; set; } = 3;

    /// <summary>
    /// How long an instance keeps a machine user's own limit (<c>PUT /v1/machine-users/{id}/rate-limit</c>) before
    /// reading it again; a change on this instance applies at once. Defaults to 10 seconds.
    /// </summary>
    public TimeSpan OverrideRefresh { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>A named rate limit: <see cref="Permits"/> requests per credential in each fixed <see cref="Window"/>.</summary>
public sealed class LatchkeyRateLimitPolicy
{
    /// <summary>Requests per credential per window. Required (at least 1).</summary>
    public int Permits { get; set; }

    /// <summary>The fixed window, 1 second to 1 day. Defaults to 1 minute.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
