using Microsoft.AspNetCore.Authentication;

namespace Latchkey.AspNetCore.Authentication;

/// <summary>Options of the Latchkey authentication scheme.</summary>
public sealed class LatchkeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Whether browsers may authenticate with the session cookies. Defaults to true.</summary>
    public bool AcceptSessionCookies { get; set; } = true;

    /// <summary>
    /// Where a browser's page navigation without a valid session is redirected (with <c>?returnUrl=</c>), e.g.
    /// <c>/login</c>. API calls are still answered 401 problem+json. Defaults to null: no redirects.
    /// </summary>
    public string? LoginPath { get; set; }

    /// <summary>
    /// Where a browser's page navigation that its session may not see is redirected. Defaults to null: 403
    /// problem+json.
    /// </summary>
    public string? AccessDeniedPath { get; set; }

    /// <summary>
    /// Where a browser's page navigation is redirected while the person must choose their own password (their first
    /// was set by an admin: <c>mustChangePassword</c>), e.g. <c>/password</c>; that page itself stays reachable.
    /// Defaults to null: 403 problem+json naming <c>mustChangePassword</c>, as for API calls.
    /// </summary>
    public string? PasswordChangePath { get; set; }
}
