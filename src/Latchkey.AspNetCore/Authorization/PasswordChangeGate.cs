using Latchkey.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.AspNetCore.Authorization;

/// <summary>
/// Endpoint metadata: reachable from a session of a person who must still choose their own password (who am I,
/// changing the password, re-authenticating for it, logging out).
/// </summary>
internal sealed class AllowedBeforePasswordChange
{
    public static readonly AllowedBeforePasswordChange Instance = new();
}

/// <summary>
/// A person whose password an admin set (<c>mustChangePassword</c>) signs in, but their session reaches nothing but the
/// password change until they have chosen their own: the admin knows the first one, and it may have travelled by chat
/// or e-mail. Checked once authorization has succeeded, like <see cref="MfaEnrolmentGate"/>, so it covers every
/// endpoint that requires an authenticated caller without a filter on each.
/// </summary>
internal static class PasswordChangeGate
{
    /// <summary>The name the problem carries (<c>"required": "mustChangePassword"</c>), as in the user's JSON.</summary>
    public const string Name = "mustChangePassword";

    // Note: only a session the Latchkey scheme authenticated carries the flag; a JwtBearer token cannot be had while it
    // is set (POST /v1/token is gated), and another scheme's principal knows nothing of it.
    public static bool Blocks(HttpContext context, string? passwordChangePath) =>
        CallerPrincipal.AuthenticatedByLatchkey(context) is { MustChangePassword: true }
        && context.GetEndpoint()?.Metadata.GetMetadata<AllowedBeforePasswordChange>() is null
        && !IsPasswordChangePage(context.Request, passwordChangePath);

    /// <summary>
    /// A page navigation is sent to the host's password-change page (<see cref="LatchkeyAuthenticationOptions.PasswordChangePath"/>)
    /// rather than shown problem+json; every other request gets 403 with a problem naming <c>mustChangePassword</c>.
    /// </summary>
    public static Task WriteAsync(HttpContext context, IProblemDetailsService problems, string? passwordChangePath)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (passwordChangePath is not null && RequestSite.IsPageNavigation(context.Request))
        {
            context.Response.Redirect(passwordChangePath);
            return Task.CompletedTask;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Password change required",
                Detail = "This person's password was set by an admin (mustChangePassword). Choose your own with "
                    + "PUT /v1/me/password; until then this session can only read GET /v1/me and sign out.",
                Extensions = { ["required"] = Name },
            },
        }).AsTask();
    }

    // Note: the host's page that asks for the new password is itself behind authorization (a person's page); the gate
    // must let it through, or it would redirect to itself.
    private static bool IsPasswordChangePage(HttpRequest request, string? passwordChangePath) =>
        passwordChangePath is not null && RequestSite.IsPageNavigation(request)
        && string.Equals(request.Path.Value, passwordChangePath, StringComparison.OrdinalIgnoreCase);
}
