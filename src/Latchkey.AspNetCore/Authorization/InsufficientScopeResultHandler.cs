using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.AspNetCore.Authorization;

/// <summary>
/// Answers an authenticated caller that lacks a required scope with RFC 6750 §3.1's <c>insufficient_scope</c>
/// challenge and problem+json; every other outcome is the default handler's (which asks the scheme to challenge or
/// forbid).
/// </summary>
internal sealed class InsufficientScopeResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var missing = authorizeResult.Forbidden
            ? authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope).Distinct().ToList()
            : null;
        if (missing is not { Count: > 0 })
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var scope = string.Join(' ', missing);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"";
        context.Response.Headers.CacheControl = "no-store";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Insufficient scope",
                Detail = $"This endpoint needs a credential with the scope: {scope}.",
            },
        });
    }
}
