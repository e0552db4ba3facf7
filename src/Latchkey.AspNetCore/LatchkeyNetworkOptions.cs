namespace Latchkey.AspNetCore;

/// <summary>Per-IP rate limits and proxies (<c>Latchkey:Network</c>).</summary>
public sealed class LatchkeyNetworkOptions
{
    public const string Section = "Latchkey:Network";

    /// <summary>
    /// Proxies whose <c>X-Forwarded-For</c> is believed. Empty by default: the client address is the connection's,
    /// so a client cannot pick its own rate-limit partition by sending the header.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Sign-up and login requests allowed per client IP per minute (sliding window). Defaults to 30.</summary>
    public int CredentialRequestsPerMinute { get; set; } = 30;
}
