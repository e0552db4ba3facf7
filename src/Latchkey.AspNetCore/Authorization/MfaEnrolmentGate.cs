using Latchkey.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.AspNetCore.Authorization;

/// <summary>
/// Endpoint metadata: reachable from a session that the tenant's MFA policy confines to enrolling a second factor
/// (who am I, enrolling and confirming an authenticator, logging out).
/// </summary>
internal sealed class AllowedDuringMfaEnrolment
{
    public static readonly AllowedDuringMfaEnrolment Instance = new();
}

/// <summary>
/// The tenant's policy (<c>mfaRequiredFor</c>): a person of a listed role without a second factor signs in, but their
/// session reaches nothing but enrolment until they have one. Checked once authorization has succeeded, so it covers
/// every endpoint that requires an authenticated caller, without a filter on each.
/// </summary>
internal static class MfaEnrolmentGate
{
    // Note: only a session the Latchkey scheme authenticated can be confined to enrolment; a principal of another
    // scheme in the same app (JwtBearer, the host's own) carries no such state, and parsing it as Latchkey's failed
    // with a 500 on every authorized request.
    public static bool Blocks(HttpContext context) =>
        CallerPrincipal.AuthenticatedByLatchkey(context) is { EnrolmentOnly: true }
        && context.GetEndpoint()?.Metadata.GetMetadata<AllowedDuringMfaEnrolment>() is null;

    public static Task WriteAsync(HttpContext context, IProblemDetailsService problems)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.Headers.CacheControl = "no-store";
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Second factor required",
                Detail = "The tenant's policy (mfaRequiredFor) requires a second factor for this role. Enrol an "
                    + "authenticator app with POST /v1/me/mfa/totp and confirm it; until then this session can do nothing else.",
                Extensions = { ["policy"] = "mfaRequiredFor" },
            },
        }).AsTask();
    }
}
