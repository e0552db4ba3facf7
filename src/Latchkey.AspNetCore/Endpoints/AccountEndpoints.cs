using System.Globalization;
using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>Sign-up, login, who-am-I and password change.</summary>
internal static class AccountEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/signup", SignupAsync).AllowAnonymous().RequireRateLimiting(CredentialRateLimiting.Policy).WithName("Signup")
            .WithSummary("Create a tenant and its owner");
        v1.MapPost("/login", LoginAsync).AllowAnonymous().RequireRateLimiting(CredentialRateLimiting.Policy).WithName("Login")
            .WithSummary("Log in from an app instance; returns an API key bound to its appId");
        v1.MapGet("/me", Me).RequireAuthorization().WithName("Me")
            .WithSummary("The caller");
        v1.MapPut("/me/password", ChangePasswordAsync).RequireAuthorization(LatchkeyDefaults.HumanPolicy)
            .RequireRateLimiting(CredentialRateLimiting.Policy)
            .WithName("ChangePassword").WithSummary("Change the password; ends every other session");
    }

    private static async Task<Results<Created<SignupResponse>, ValidationProblem, ProblemHttpResult>> SignupAsync(
        SignupRequest request, AccountService accounts, CancellationToken cancellationToken)
    {
        var result = await accounts.SignupAsync(request.Tenant, request.Login, request.Password, cancellationToken);
        return result.Outcome switch
        {
            SignupOutcome.Created => TypedResults.Created((string?)null, new SignupResponse(result.TenantId, result.UserId)),
            SignupOutcome.Invalid => Problems.Invalid(result.Error!),
            SignupOutcome.LoginTaken => Problems.Status(StatusCodes.Status409Conflict, "Login taken", "Choose another login."),
            _ => Problems.Status(StatusCodes.Status403Forbidden, "Registration closed", "Self-service sign-up is disabled."),
        };
    }

    private static async Task<Results<Created<LoginResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, AccountService accounts, HttpContext context, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var result = await accounts.LoginAsync(request.Login, request.Password, request.AppId, request.AppName, cancellationToken);
        if (result.Outcome is not LoginOutcome.Invalid)
        {
            // Note: the login is logged only when it names a user: a login that matches nobody is often a password
            // typed into the wrong field. Client-supplied values are escaped against log injection.
            loggers.CreateLogger("Latchkey.Login").LogInformation(
                "Login {Outcome} ({Refusal}) for user {UserId} from app {AppId}, client {ClientAddress}, agent \"{UserAgent}\"",
                result.Outcome, result.Refusal, result.UserId, LogText.Escape(request.AppId),
                context.Connection.RemoteIpAddress, LogText.Escape(context.Request.Headers.UserAgent.ToString()));
        }

        switch (result.Outcome)
        {
            case LoginOutcome.Invalid:
                return Problems.Invalid(result.Error!);
            case LoginOutcome.Refused:
                // Note: one body for unknown login, wrong password and disabled user: nothing to tell them apart.
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Problems.Status(StatusCodes.Status401Unauthorized, "Login failed", "The login or password is wrong.");
            case LoginOutcome.Throttled:
                return Problems.TooManyFailures(context.Response, result.RetryAfter);
        }

        var session = result.Session!;
        Problems.NoStore(context.Response);
        SessionCookies.Append(context, result.ApiKey!, session.AppId, session.ExpiresAt);
        return TypedResults.Created($"/v1/sessions/{session.Id}",
            new LoginResponse(session.Id, result.ApiKey!, session.AppId, session.ExpiresAt));
    }

    private static Ok<MeResponse> Me(HttpContext context)
    {
        var caller = CallerPrincipal.ToCaller(context);
        return TypedResults.Ok(new MeResponse(caller.UserId, caller.TenantId, caller.Login,
            CallerPrincipal.KindName(caller.Kind), [CallerPrincipal.RoleName(caller.Role)], caller.SessionId));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        PasswordChangeRequest request, AccountService accounts, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        var result = await accounts.ChangePasswordAsync(caller, request.CurrentPassword, request.NewPassword, cancellationToken);
        return result.Outcome switch
        {
            PasswordChangeOutcome.Changed => TypedResults.NoContent(),
            PasswordChangeOutcome.Throttled => Problems.TooManyFailures(context.Response, result.RetryAfter),
            _ => Problems.Invalid(result.Error!),
        };
    }
}
