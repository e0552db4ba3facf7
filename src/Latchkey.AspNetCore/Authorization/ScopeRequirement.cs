using Latchkey.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Latchkey.AspNetCore.Authorization;

/// <summary>The caller's credential must carry <see cref="Scope"/>. Added by <c>RequireScope</c>.</summary>
internal sealed class ScopeRequirement(string scope) : IAuthorizationRequirement
{
    public string Scope { get; } = scope;

    public override string ToString() => $"Scope '{Scope}'";
}

/// <summary>
/// Succeeds when the principal has a <see cref="LatchkeyClaimTypes.Scope"/> claim naming the scope. Note: a claim
/// value is read as a space-separated list (RFC 6749 §3.3), so principals of other schemes that carry all their scopes
/// in one claim are judged the same way.
/// </summary>
internal sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        foreach (var claim in context.User.FindAll(LatchkeyClaimTypes.Scope))
        {
            if (claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(requirement.Scope, StringComparer.Ordinal))
            {
                context.Succeed(requirement);
                break;
            }
        }

        return Task.CompletedTask;
    }
}
