using Latchkey.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Latchkey.Core;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Authorization;

/// <summary>
/// Answers an authenticated caller that lacks a required scope with RFC 6750 §3.1's <c>insufficient_scope</c>
/// challenge and problem+json, and one that lacks only a recent authentication with RFC 9470's
/// <c>insufficient_user_authentication</c> (<see cref="StepUpRequirement"/>); every other outcome is the default handler's (which asks the scheme to challenge or
/// forbid).
/// </summary>
internal sealed class InsufficientScopeResultHandler(
    IProblemDetailsService problems, IOptionsMonitor<LatchkeyStepUpOptions> stepUp, IOptionsMonitor<LatchkeyAuthenticationOptions> schemes)
    : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        // Note: a person who must choose their own password hears only that, whatever else the endpoint would have said
        // (a missing role, a step-up), so a client knows what to do first. The password comes before the tenant's
        // second-factor rule too: the enrolment gate refuses the password change, and the two must not wait on each other.
        var mustChangePassword = CallerPrincipal.AuthenticatedByLatchkey(context) is { MustChangePassword: true };
        if (mustChangePassword && !authorizeResult.Challenged)
        {
            var passwordChangePath = schemes.Get(LatchkeyDefaults.AuthenticationScheme).PasswordChangePath;
            if (PasswordChangeGate.Blocks(context, passwordChangePath))
            {
                await PasswordChangeGate.WriteAsync(context, problems, passwordChangePath);
                return;
            }
        }

        // Note: RFC 9470's challenge only when a recent authentication is all that is missing: a caller who may not
        // do this at all gets its 403, not an invitation to re-authenticate.
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure is { FailedRequirements: var failed }
            && failed.Any() && failed.All(r => r is StepUpRequirement))
        {
            await StepUpChallenge.WriteAsync(context, problems, stepUp.CurrentValue.MaxAge);
            return;
        }

        if (authorizeResult.Succeeded && !mustChangePassword && MfaEnrolmentGate.Blocks(context))
        {
            await MfaEnrolmentGate.WriteAsync(context, problems);
            return;
        }

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
