using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using QRCoder;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>Second factors: a person's own authenticator app and recovery codes, an owner's reset, re-authentication.</summary>
internal static class MfaEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var mfa = v1.MapGroup("/me/mfa").RequireAuthorization(LatchkeyDefaults.HumanPolicy).WithTags("Second factors");
        mfa.MapGet("", StatusAsync).WithMetadata(AllowedDuringMfaEnrolment.Instance)
            .WithName("MfaStatus").WithSummary("The caller's second factors: an authenticator app or not, recovery codes left");
        mfa.MapPost("/totp", StartTotpAsync).RequireCredentialLimits().RequireRecentAuthentication()
            .WithMetadata(AllowedDuringMfaEnrolment.Instance)
            .WithName("StartTotpEnrolment").WithSummary("Start enrolling an authenticator app; nothing is active until confirmed");
        mfa.MapPost("/totp/confirm", ConfirmTotpAsync).RequireCredentialLimits()
            .WithMetadata(AllowedDuringMfaEnrolment.Instance)
            .WithName("ConfirmTotpEnrolment").WithSummary("Activate the authenticator app with one of its codes; returns recovery codes once");
        mfa.MapDelete("/totp", RemoveTotpAsync).RequireCredentialLimits().RequireRecentAuthentication()
            .WithName("RemoveTotp").WithSummary("Remove the authenticator app and the recovery codes");
        mfa.MapPost("/recovery-codes", ReplaceRecoveryCodesAsync).RequireCredentialLimits().RequireRecentAuthentication()
            .WithName("ReplaceRecoveryCodes").WithSummary("Replace all recovery codes, given a current code; returns them once");

        v1.MapDelete("/users/{id:guid}/mfa", ResetAsync).RequireAuthorization(LatchkeyDefaults.TenantOwnerPolicy)
            .RequireRecentAuthentication().WithTags("Users")
            .WithName("ResetUserMfa").WithSummary("Remove every second factor of a person (owners only)");

        v1.MapPost("/sessions/current/reauthenticate", ReauthenticateAsync).RequireAuthorization(LatchkeyDefaults.HumanPolicy)
            .RequireCredentialLimits().WithMetadata(AllowedDuringMfaEnrolment.Instance, AllowedBeforePasswordChange.Instance).WithTags("Sessions")
            .WithName("Reauthenticate").WithSummary("Authenticate again (step-up): refreshes authTime of this session only");
    }

    private static async Task<Ok<MfaStatusResponse>> StatusAsync(SecondFactorService factors, HttpContext context, CancellationToken cancellationToken)
    {
        var (totp, left, passkeys) = await factors.StatusAsync(CallerPrincipal.ToCaller(context), cancellationToken);
        return TypedResults.Ok(new MfaStatusResponse(totp, left, passkeys));
    }

    private static async Task<Results<Ok<TotpEnrolmentResponse>, ValidationProblem, ProblemHttpResult>> StartTotpAsync(
        TotpEnrolmentRequest request, SecondFactorService factors, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await factors.StartTotpAsync(CallerPrincipal.ToCaller(context), request.Password, cancellationToken);
        if (result.Outcome == MfaOutcome.Invalid)
        {
            return Problems.Invalid(result.Error!);
        }

        if (result.Outcome != MfaOutcome.Done)
        {
            return Problem(result, context);
        }

        Problems.NoStore(context.Response);
        return TypedResults.Ok(new TotpEnrolmentResponse(result.Secret!, result.OtpauthUri!, QrSvg(result.OtpauthUri!)));
    }

    private static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> ConfirmTotpAsync(
        TotpCodeRequest request, SecondFactorService factors, HttpContext context, CancellationToken cancellationToken) =>
        RecoveryCodes(await factors.ConfirmTotpAsync(CallerPrincipal.ToCaller(context), request.Code, cancellationToken), context);

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RemoveTotpAsync(
        [FromBody] TotpRemovalRequest request, SecondFactorService factors, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await factors.RemoveTotpAsync(CallerPrincipal.ToCaller(context), request.Password, request.Code, cancellationToken);
        return NoContentOr(result, context);
    }

    private static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> ReplaceRecoveryCodesAsync(
        TotpCodeRequest request, SecondFactorService factors, HttpContext context, CancellationToken cancellationToken) =>
        RecoveryCodes(await factors.ReplaceRecoveryCodesAsync(CallerPrincipal.ToCaller(context), request.Code, cancellationToken), context);

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ResetAsync(
        Guid id, SecondFactorService factors, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await factors.ResetAsync(CallerPrincipal.ToCaller(context), id, cancellationToken);
        return NoContentOr(result, context);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ReauthenticateAsync(
        ReauthenticateRequest request, SecondFactorService factors, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await factors.ReauthenticateAsync(
            CallerPrincipal.ToCaller(context), request.Password, request.Code, request.RecoveryCode, cancellationToken,
            request.CeremonyId, request.Passkey);
        return NoContentOr(result, context);
    }

    private static Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult> RecoveryCodes(MfaResult result, HttpContext context)
    {
        if (result.Outcome == MfaOutcome.Invalid)
        {
            return Problems.Invalid(result.Error!);
        }

        if (result.Outcome != MfaOutcome.Done)
        {
            return Problem(result, context);
        }

        // Note: the codes are shown this once; no cache may keep them.
        Problems.NoStore(context.Response);
        return TypedResults.Ok(new RecoveryCodesResponse(result.RecoveryCodes!));
    }

    private static Results<NoContent, ValidationProblem, ProblemHttpResult> NoContentOr(MfaResult result, HttpContext context) =>
        result.Outcome switch
        {
            MfaOutcome.Done => TypedResults.NoContent(),
            MfaOutcome.Invalid => Problems.Invalid(result.Error!),
            _ => Problem(result, context),
        };

    private static ProblemHttpResult Problem(MfaResult result, HttpContext context) => result.Outcome switch
    {
        MfaOutcome.Throttled => Problems.TooManyFailures(context.Response, result.RetryAfter),
        MfaOutcome.Conflict => Problems.Status(StatusCodes.Status409Conflict, "Already enrolled", result.Error?.Message),
        MfaOutcome.Forbidden => Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", "Only an owner may remove a person's second factors."),
        _ => Problems.Status(StatusCodes.Status404NotFound, "Not found", result.Error?.Message),
    };

    // Note: drawn here as SVG, so no image service ever sees the secret the code carries.
    private static string QrSvg(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(4);
    }
}
