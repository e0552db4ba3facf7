namespace Latchkey.Core.Services;

/// <summary>
/// Where the current call comes from, as far as the audit log records it. The hosting layer implements it (from the
/// HTTP request); Core knows nothing of HTTP.
/// </summary>
internal interface IRequestOrigin
{
    /// <summary>The client's IP address as the host sees it (after any forwarded-headers processing), or null.</summary>
    string? IpAddress { get; }

    /// <summary>The app instance of the caller's session, or null (anonymous calls, machine tokens).</summary>
    string? AppId { get; }
}
