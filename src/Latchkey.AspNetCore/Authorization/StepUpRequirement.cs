using System.Globalization;
using Latchkey.AspNetCore.Authentication;
using Latchkey.Core;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Authorization;

/// <summary>
/// Step-up (RFC 9470): the person must have authenticated in this session within <c>Latchkey:StepUp:MaxAge</c>.
/// Added by <c>RequireRecentAuthentication()</c>; a caller who has not gets 401 with
/// <c>WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=…</c> and re-authenticates with
/// <c>POST /v1/sessions/current/reauthenticate</c>.
/// </summary>
internal sealed class StepUpRequirement : IAuthorizationRequirement
{
    public static readonly StepUpRequirement Instance = new();

    public override string ToString() => "Recent authentication (step-up)";
}

/// <summary>
/// Reads the session's <c>authTime</c> from storage, not from the cached caller: sensitive actions are rare, and a
/// re-authentication on one instance then counts at once on every other. Note: machine tokens pass: they have no
/// interactive authentication to repeat (a token is its own proof, rotated rather than re-entered), and their reach is
/// already confined by scopes and roles.
/// </summary>
internal sealed class StepUpAuthorizationHandler(TimeProvider time, IOptionsMonitor<LatchkeyStepUpOptions> options)
    : AuthorizationHandler<StepUpRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, StepUpRequirement requirement)
    {
        if (context.Resource is not HttpContext http || context.User.Identity?.IsAuthenticated != true)
        {
            return;
        }

        var caller = CallerPrincipal.ToCaller(http);
        if (caller.Kind == UserKind.Machine)
        {
            context.Succeed(requirement);
            return;
        }

        if (caller.SessionId is not { } sessionId)
        {
            return;
        }

        var authentication = await http.RequestServices.GetRequiredService<ISecondFactorStore>()
            .FindSessionAuthenticationAsync(sessionId, http.RequestAborted);
        if (authentication is { } found && time.GetUtcNow() - found.AuthTime <= options.CurrentValue.MaxAge)
        {
            context.Succeed(requirement);
        }
    }
}

/// <summary>The step-up challenge: one shape wherever a sensitive endpoint answers it.</summary>
internal static class StepUpChallenge
{
    public const string Error = "insufficient_user_authentication";

    public static Task WriteAsync(HttpContext context, IProblemDetailsService problems, TimeSpan maxAge)
    {
        var seconds = ((long)maxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"{Error}\", max_age={seconds}";
        context.Response.Headers.CacheControl = "no-store";
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Re-authentication required",
                Detail = $"This action needs an authentication within the last {seconds} seconds. Re-authenticate with "
                    + "POST /v1/sessions/current/reauthenticate, then repeat the request.",
                Extensions = { ["error"] = Error, ["maxAge"] = (long)maxAge.TotalSeconds },
            },
        }).AsTask();
    }
}
