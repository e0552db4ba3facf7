namespace Latchkey.AspNetCore;

/// <summary>Per-client limits and proxies (<c>Latchkey:Network</c>). A client is an IPv4 address or an IPv6 prefix.</summary>
public sealed class LatchkeyNetworkOptions
{
    public const string Section = "Latchkey:Network";

    /// <summary>
    /// Proxies whose <c>X-Forwarded-For</c> is believed. Empty by default: the client address is the connection's,
    /// so a client cannot pick its own rate-limit partition by sending the header.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// The ceiling on requests that take a password (sign-up, login, password change, user creation) per client per
    /// minute, successful or not (sliding window): it keeps one client from taking all of the hashing capacity.
    /// Defaults to 1000 per processor (about two thirds of what the processors hash at the default Argon2 cost).
    /// </summary>
    public int CredentialRequestsPerMinute { get; set; } = 1000 * Environment.ProcessorCount;

    /// <summary>
    /// Failed password checks (wrong password, unknown login, wrong current password) a client may make at once,
    /// across all logins, before its credential requests get 429. Defaults to 50.
    /// </summary>
    public int FailureBurst { get; set; } = 50;

    /// <summary>How fast the allowance of failures comes back, per minute. Defaults to 1 (1,440 a day).</summary>
    public double FailuresPerMinute { get; set; } = 1;

    /// <summary>
    /// IPv6 clients are grouped by this prefix length for every per-client limit: one subscriber usually gets a whole
    /// /64, so a single address would give one attacker 2^64 budgets. IPv4 clients (and IPv4-mapped IPv6 addresses)
    /// are grouped by address. Defaults to 64.
    /// </summary>
    public int IPv6PrefixLength { get; set; } = 64;
}
