using Microsoft.AspNetCore.Authentication;

namespace Latchkey.AspNetCore.Authentication;

/// <summary>Options of the Latchkey authentication scheme.</summary>
public sealed class LatchkeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Whether browsers may authenticate with the session cookies. Defaults to true.</summary>
    public bool AcceptSessionCookies { get; set; } = true;
}
