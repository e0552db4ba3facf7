using System.Globalization;
using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>Sign-up, login, who-am-I and password change.</summary>
internal static class AccountEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/signup", SignupAsync).AllowAnonymous().RequireCredentialLimits()
            .AddEndpointFilter(RefuseCrossOrigin).WithName("Signup")
            .WithSummary("Create a tenant and its owner");
        v1.MapPost("/login", LoginAsync).AllowAnonymous().RequireCredentialLimits()
            .AddEndpointFilter(RefuseCrossOrigin).WithName("Login")
            .WithSummary("Log in from an app instance; returns an API key bound to its appId")
            .WithDescription("useCookies=true: the key goes into the HttpOnly session cookie only and the body carries none "
                + "(the first-party web UI); useCookies=false: the body only, no cookie (a script that keeps the key); "
                + "absent: both.");
        v1.MapPost("/login/mfa", LoginMfaAsync).AllowAnonymous().RequireCredentialLimits()
            .AddEndpointFilter(RefuseCrossOrigin).WithName("LoginMfa")
            .WithSummary("The second step of a login: the mfaToken and a code (or a recovery code) open the session");
        v1.MapGet("/me", MeAsync).RequireAuthorization()
            .WithMetadata(AllowedDuringMfaEnrolment.Instance, AllowedBeforePasswordChange.Instance).WithName("Me")
            .WithSummary("The caller");
        v1.MapPut("/me/password", ChangePasswordAsync).RequireAuthorization(LatchkeyDefaults.HumanPolicy)
            .RequireCredentialLimits().RequireRecentAuthentication().WithMetadata(AllowedBeforePasswordChange.Instance)
            .WithName("ChangePassword").WithSummary("Change the password; ends every other session");
    }

    private static async Task<Results<Created<SignupResponse>, ValidationProblem, ProblemHttpResult>> SignupAsync(
        SignupRequest request, AccountService accounts, HttpContext context, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var result = await accounts.SignupAsync(request.Tenant, request.Login, request.Password, cancellationToken, request.Email);
        if (result.Outcome == SignupOutcome.LoginTaken)
        {
            // Note: an expected outcome, one Information line (the login escaped against log injection).
            Log.SignupLoginTaken(loggers.CreateLogger("Latchkey.Signup"), LogText.Escape(request.Login));
            CredentialRateLimiting.ChargeFailure(context);
        }

        return result.Outcome switch
        {
            SignupOutcome.Created => TypedResults.Created((string?)null, new SignupResponse(result.TenantId, result.UserId)),
            SignupOutcome.Invalid => Problems.Invalid(result.Error!),
            SignupOutcome.LoginTaken => Problems.Status(StatusCodes.Status409Conflict, "Login taken", "Choose another login."),
            _ => Problems.Status(StatusCodes.Status403Forbidden, "Registration closed", "Self-service sign-up is disabled."),
        };
    }

    /// <summary>
    /// Login CSRF: a page on another origin (a sibling subdomain or port included) must not sign a browser into an
    /// account of its choosing, nor create one in its name. Browsers say where a request comes from; other clients
    /// send neither header and pass.
    /// </summary>
    internal static async ValueTask<object?> RefuseCrossOrigin(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next) =>
        RequestSite.IsCrossOriginBrowserRequest(invocation.HttpContext.Request)
            ? Problems.Status(StatusCodes.Status403Forbidden, "Cross-site request refused",
                "Sign-up and login are accepted only from this site's own pages.")
            : await next(invocation);

    private static async Task<Results<Created<LoginResponse>, Created<CookieLoginResponse>, Ok<MfaRequiredResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, bool? useCookies, AccountService accounts, HttpContext context, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        // Note: a browser that names no app gets one from its User-Agent, so a person can tell their devices apart.
        var appName = string.IsNullOrWhiteSpace(request.AppName)
            ? DeviceNames.FromUserAgent(context.Request.Headers.UserAgent.ToString())
            : request.AppName;
        var result = await accounts.LoginAsync(request.Login, request.Password, request.AppId, appName, cancellationToken);
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
                if (result.Refusal == LoginRefusal.Disabled)
                {
                    // Note: a disabled user's right password passed its check, but it is refused like a wrong one,
                    // so it is charged to the client like one: else the allowance would tell which guess was right.
                    CredentialRateLimiting.ChargeFailure(context);
                }

                // Note: one body for unknown login, wrong password and disabled user: nothing to tell them apart.
                // Failures are counted per login string whether or not it exists, so the Retry-After of a failure
                // that starts a delay tells nothing more; it lets a sign-in page count down rather than meet a 429.
                context.Response.Headers.WWWAuthenticate = "Bearer";
                if (result.RetryAfter > TimeSpan.Zero)
                {
                    Problems.SetRetryAfter(context.Response, result.RetryAfter);
                }

                return Problems.Status(StatusCodes.Status401Unauthorized, "Login failed", "The login or password is wrong.");
            case LoginOutcome.Throttled:
                return Problems.TooManyFailures(context.Response, result.RetryAfter);
            case LoginOutcome.MfaRequired:
                // Note: no session and no cookie: the mfaToken only lets the second step be tried.
                Problems.NoStore(context.Response);
                return TypedResults.Ok(new MfaRequiredResponse(true, result.MfaToken!, result.MfaMethods!, result.MfaExpiresAt!.Value));
        }

        var (body, cookie) = Issue(result, useCookies, context);
        return cookie is not null ? cookie : body!;
    }

    /// <summary>
    /// The second step of a login. Every failure (unknown, used, expired or dead token, another app id, a wrong code)
    /// is one 401; a wrong code counts against the token (five kill it) and against the login's throttle.
    /// </summary>
    private static async Task<Results<Created<LoginResponse>, Created<CookieLoginResponse>, ValidationProblem, ProblemHttpResult>> LoginMfaAsync(
        MfaLoginRequest request, bool? useCookies, MfaLoginService mfaLogins, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await mfaLogins.CompleteAsync(
            request.MfaToken, request.AppId, request.Code, request.RecoveryCode, cancellationToken, request.CeremonyId, request.Passkey);
        switch (result.Outcome)
        {
            case LoginOutcome.Invalid:
                return Problems.Invalid(result.Error!);
            case LoginOutcome.Throttled:
                return Problems.TooManyFailures(context.Response, result.RetryAfter);
            case LoginOutcome.Refused or LoginOutcome.MfaRequired:
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Problems.Status(StatusCodes.Status401Unauthorized, "Second factor failed",
                    "The code is wrong, or the mfaToken is unknown, used, expired or for another app; a dead token needs a new login.");
        }

        var (body, cookie) = Issue(result, useCookies, context);
        return cookie is not null ? cookie : body!;
    }

    /// <summary>The session a login opened: its key in the body, the HttpOnly cookie, or both (see <c>useCookies</c>).</summary>
    internal static (Created<LoginResponse>? Body, Created<CookieLoginResponse>? Cookie) Issue(
        LoginResult result, bool? useCookies, HttpContext context)
    {
        var session = result.Session!;
        Problems.NoStore(context.Response);
        if (useCookies != false)
        {
            SessionCookies.Append(context, result.ApiKey!, session.AppId, session.ExpiresAt);
        }

        if (useCookies == true)
        {
            // Note: the key lives in the HttpOnly cookie only: no script on the page, injected or not, ever reads it.
            return (null, TypedResults.Created($"/v1/sessions/{session.Id}", new CookieLoginResponse(session.Id, session.AppId, session.ExpiresAt)));
        }

        return (TypedResults.Created($"/v1/sessions/{session.Id}",
            new LoginResponse(session.Id, result.ApiKey!, session.AppId, session.ExpiresAt)), null);
    }

    private static async Task<Ok<MeResponse>> MeAsync(
        HttpContext context, Core.Email.PersonEmailCache emails, Core.Stores.IUserStore users, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);

        // Note: amr and authTime come from the caller (a re-authentication drops the cached one, so they are current).
        // The address is not part of the cached caller (the request path never needs it); PersonEmailCache keeps
        // /v1/me free of database access in the common case.
        string? email = null;
        var verified = false;
        if (caller.Kind == UserKind.Human && !emails.TryGet(caller.UserId, out email, out verified)
            && await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken) is { } user)
        {
            emails.Remember(user);
            (email, verified) = (user.Email, user.EmailVerified);
        }

        if (caller.Kind == UserKind.Machine)
        {
            // Note: a machine's login is the random public part of its token, meaningless to a person; its name is what
            // the admin gave it, and it acts by its scopes, not by a tenant role.
            var machine = await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken);
            var name = machine?.Name ?? caller.Login;
            return TypedResults.Ok(new MeResponse(caller.UserId, caller.TenantId, name, CallerPrincipal.KindName(caller.Kind), [],
                null, Name: name, Scopes: caller.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }

        return TypedResults.Ok(new MeResponse(caller.UserId, caller.TenantId, caller.Login,
            CallerPrincipal.KindName(caller.Kind), [CallerPrincipal.RoleName(caller.Role)], caller.SessionId, email, verified,
            caller.SessionId is null ? null : AuthenticationMethods.Parse(caller.Amr), caller.AuthTime,
            MustChangePassword: caller.MustChangePassword));
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
