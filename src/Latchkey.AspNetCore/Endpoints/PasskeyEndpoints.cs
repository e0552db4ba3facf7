using System.Text.Json;
using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>
/// Passkeys (WebAuthn): a person's own (register, list, remove), password-less sign-in, a login's second step, step-up.
/// Every ceremony is two calls: options (with a <c>ceremonyId</c>), then the browser's answer with that id.
/// </summary>
internal static class PasskeyEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var mine = v1.MapGroup("/me/mfa/passkeys").RequireAuthorization(LatchkeyDefaults.HumanPolicy).WithTags("Second factors");
        mine.MapGet("", ListAsync).WithMetadata(AllowedDuringMfaEnrolment.Instance)
            .WithName("ListPasskeys").WithSummary("The caller's passkeys");
        mine.MapPost("/options", BeginRegistrationAsync).RequireCredentialLimits().RequireRecentAuthentication()
            .WithMetadata(AllowedDuringMfaEnrolment.Instance)
            .WithName("PasskeyRegistrationOptions").WithSummary("Start registering a passkey: the options for navigator.credentials.create()");
        mine.MapPost("", RegisterAsync).RequireCredentialLimits().RequireRecentAuthentication()
            .WithMetadata(AllowedDuringMfaEnrolment.Instance)
            .WithName("RegisterPasskey").WithSummary("Register a passkey: the browser's answer to the registration options");
        mine.MapDelete("/{id:guid}", RemoveAsync).RequireCredentialLimits().RequireRecentAuthentication()
            .WithName("RemovePasskey").WithSummary("Remove one of the caller's passkeys");

        v1.MapPost("/login/passkey/options", BeginLoginAsync).AllowAnonymous().RequireCredentialLimits()
            .AddEndpointFilter(AccountEndpoints.RefuseCrossOrigin).WithTags("Account")
            .WithName("PasskeyLoginOptions")
            .WithSummary("Options for navigator.credentials.get(): a password-less sign-in, or with an mfaToken a login's second step");
        v1.MapPost("/login/passkey", SignInAsync).AllowAnonymous().RequireCredentialLimits()
            .AddEndpointFilter(AccountEndpoints.RefuseCrossOrigin).WithTags("Account")
            .WithName("PasskeyLogin").WithSummary("Sign in with a discoverable passkey, without a password; the password login's answer");

        v1.MapPost("/sessions/current/reauthenticate/passkey-options", BeginReauthenticationAsync)
            .RequireAuthorization(LatchkeyDefaults.HumanPolicy).RequireCredentialLimits()
            .WithMetadata(AllowedDuringMfaEnrolment.Instance, AllowedBeforePasswordChange.Instance).WithTags("Sessions")
            .WithName("PasskeyReauthenticationOptions").WithSummary("Options for re-authenticating this session with a passkey (step-up)");
    }

    private static async Task<Ok<PasskeyResponse[]>> ListAsync(PasskeyService passkeys, HttpContext context, CancellationToken cancellationToken)
    {
        var list = await passkeys.ListAsync(CallerPrincipal.ToCaller(context), cancellationToken);
        return TypedResults.Ok(list.Select(Response).ToArray());
    }

    private static async Task<Results<Ok<PasskeyOptionsResponse>, ValidationProblem, ProblemHttpResult>> BeginRegistrationAsync(
        PasskeyService passkeys, HttpContext context, CancellationToken cancellationToken) =>
        Options(await passkeys.BeginRegistrationAsync(CallerPrincipal.ToCaller(context), cancellationToken), context);

    private static async Task<Results<Created<PasskeyResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        PasskeyRegistrationRequest request, PasskeyService passkeys, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await passkeys.CompleteRegistrationAsync(CallerPrincipal.ToCaller(context), request.CeremonyId, request.Credential,
            request.Name, DeviceNames.FromUserAgent(context.Request.Headers.UserAgent.ToString()), cancellationToken);
        return result.Outcome switch
        {
            PasskeyOutcome.Done => TypedResults.Created($"/v1/me/mfa/passkeys/{result.Passkey!.Id}", Response(result.Passkey)),
            PasskeyOutcome.Invalid or PasskeyOutcome.Refused => Problems.Invalid(result.Error!),
            _ => Problem(result),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RemoveAsync(
        Guid id, PasskeyService passkeys, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await passkeys.RemoveAsync(CallerPrincipal.ToCaller(context), id, cancellationToken);
        return result.Outcome switch
        {
            PasskeyOutcome.Done => TypedResults.NoContent(),
            PasskeyOutcome.Invalid => Problems.Invalid(result.Error!),
            _ => Problem(result),
        };
    }

    private static async Task<Results<Ok<PasskeyOptionsResponse>, ValidationProblem, ProblemHttpResult>> BeginLoginAsync(
        PasskeyLoginOptionsRequest request, PasskeyService passkeys, MfaLoginService mfaLogins, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (request.AppId is null || !AppIdFormat.IsValid(request.AppId))
        {
            return Problems.Invalid(new("appId", $"appId must be {AppIdFormat.MinLength} to {AppIdFormat.MaxLength} characters of [A-Za-z0-9._~-]."));
        }

        if (request.MfaToken is not null)
        {
            var second = await mfaLogins.BeginPasskeyAsync(request.MfaToken, request.AppId, cancellationToken);
            if (second.Outcome is PasskeyOutcome.Refused or PasskeyOutcome.NotFound)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Problems.Status(StatusCodes.Status401Unauthorized, "Second factor failed",
                    "The mfaToken is unknown, used, expired or for another app, or its person has no passkey.");
            }

            return Options(second, context);
        }

        // Note: a browser that names no app gets one from its User-Agent, as at the password login.
        var appName = string.IsNullOrWhiteSpace(request.AppName)
            ? DeviceNames.FromUserAgent(context.Request.Headers.UserAgent.ToString())
            : TextInput.Clean(request.AppName, SessionService.MaxAppNameLength);
        return Options(await passkeys.BeginAssertionAsync(
            WebAuthnCeremonyKind.SignIn, request.AppId!, appName, null, null, null, cancellationToken), context);
    }

    /// <summary>
    /// Password-less sign-in. Every failure (unknown, used or expired ceremony, another app id, an unknown passkey, a
    /// bad signature or counter) is one 401, as a wrong password is.
    /// </summary>
    private static async Task<Results<Created<LoginResponse>, Created<CookieLoginResponse>, ValidationProblem, ProblemHttpResult>> SignInAsync(
        PasskeyLoginRequest request, bool? useCookies, PasskeyService passkeys, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await passkeys.SignInAsync(request.CeremonyId, request.AppId, request.Credential, cancellationToken);
        switch (result.Outcome)
        {
            case LoginOutcome.Invalid:
                return Problems.Invalid(result.Error!);
            case LoginOutcome.Succeeded:
                var (body, cookie) = AccountEndpoints.Issue(result, useCookies, context);
                return cookie is not null ? cookie : body!;
            default:
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Problems.Status(StatusCodes.Status401Unauthorized, "Login failed", PasskeyService.RefusedMessage);
        }
    }

    private static async Task<Results<Ok<PasskeyOptionsResponse>, ValidationProblem, ProblemHttpResult>> BeginReauthenticationAsync(
        SecondFactorService factors, HttpContext context, CancellationToken cancellationToken) =>
        Options(await factors.BeginPasskeyReauthenticationAsync(CallerPrincipal.ToCaller(context), cancellationToken), context);

    private static Results<Ok<PasskeyOptionsResponse>, ValidationProblem, ProblemHttpResult> Options(PasskeyResult result, HttpContext context)
    {
        if (result.Outcome is PasskeyOutcome.Invalid or PasskeyOutcome.Refused)
        {
            return Problems.Invalid(result.Error!);
        }

        if (result.Outcome != PasskeyOutcome.Done)
        {
            return Problem(result);
        }

        Problems.NoStore(context.Response);
        using var options = JsonDocument.Parse(result.Options!);
        return TypedResults.Ok(new PasskeyOptionsResponse(result.CeremonyId, options.RootElement.Clone()));
    }

    private static PasskeyResponse Response(Passkey passkey) =>
        new(passkey.Id, passkey.Name, passkey.CreatedAt, passkey.LastUsedAt, passkey.BackedUp);

    // Note: a refused answer to a registration is bad input of a signed-in person (400, above), not a failed login.
    private static ProblemHttpResult Problem(PasskeyResult result) => result.Outcome switch
    {
        PasskeyOutcome.Unavailable => Problems.Status(StatusCodes.Status503ServiceUnavailable, "Passkeys unavailable",
            "Passkeys need Latchkey:PublicBaseUrl (the relying party's id and origin)."),
        PasskeyOutcome.Conflict => Problems.Status(StatusCodes.Status409Conflict, "Already registered", result.Error?.Message),
        _ => Problems.Status(StatusCodes.Status404NotFound, "Not found", result.Error?.Message),
    };
}
