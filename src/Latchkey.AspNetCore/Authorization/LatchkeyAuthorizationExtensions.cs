using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace Latchkey.AspNetCore.Authorization;

/// <summary>Protects endpoints by scope: <c>app.MapGet(...).RequireScope("reports:read")</c>.</summary>
public static class LatchkeyAuthorizationExtensions
{
    /// <summary>
    /// Requires an authenticated caller whose credential carries <paramref name="scope"/>. Scopes restrict tokens:
    /// machine users carry the scopes they were created with and people carry none, so a scope-protected endpoint is
    /// for machines only. A caller without the scope gets <c>403</c> with
    /// <c>WWW-Authenticate: Bearer error="insufficient_scope", scope="..."</c> (RFC 6750 §3.1).
    /// </summary>
    /// <exception cref="ArgumentException">The scope is empty or not an RFC 6749 scope token.</exception>
    public static AuthorizationPolicyBuilder RequireScope(this AuthorizationPolicyBuilder policy, string scope)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Validate(scope);
        return policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope));
    }

    /// <summary>
    /// Requires an authenticated caller whose credential carries <paramref name="scope"/> on these endpoints; see
    /// <see cref="RequireScope(AuthorizationPolicyBuilder, string)"/>. Several calls require every scope named.
    /// </summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        Validate(scope);
        return builder.RequireAuthorization(policy => policy.RequireScope(scope));
    }

    /// <summary>
    /// Step-up: requires that a person authenticated in this session within <c>Latchkey:StepUp:MaxAge</c> (10 minutes
    /// by default); otherwise <c>401</c> with <c>WWW-Authenticate: Bearer error="insufficient_user_authentication",
    /// max_age=600</c> (RFC 9470) and a problem body. Machine tokens are not asked (they have no interactive
    /// authentication to repeat). Re-authenticate with <c>POST /v1/sessions/current/reauthenticate</c>.
    /// </summary>
    public static TBuilder RequireRecentAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization(policy => policy.RequireAuthenticatedUser().AddRequirements(StepUpRequirement.Instance));
    }

    // Note: RFC 6749 §3.3 scope-token: printable ASCII without space, '"' and '\'. The scope is echoed in the
    // WWW-Authenticate header, so anything else could break (or inject into) that header.
    private static void Validate(string scope)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        foreach (var c in scope)
        {
            if (c is < '!' or > '~' or '"' or '\\')
            {
                throw new ArgumentException($"'{scope}' is not a scope token (RFC 6749 §3.3): use printable ASCII without spaces, quotes or backslashes.", nameof(scope));
            }
        }
    }
}
