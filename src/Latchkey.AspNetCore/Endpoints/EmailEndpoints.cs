using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Email;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>
/// The flows that mail a link: address change and verification, password reset. Links are built from
/// <c>Latchkey:PublicBaseUrl</c> only (<see cref="EmailOutbox.Link"/>), never from this request's Host headers.
/// </summary>
internal static class EmailEndpoints
{
    /// <summary>The one body of <c>POST /v1/password-reset</c>, whatever the login was.</summary>
    public static readonly PasswordResetAccepted ResetAccepted = new(
        "If this login belongs to a person with a verified e-mail address, a message with a link to choose a new password is on its way.");

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPut("/me/email", ChangeAsync).RequireAuthorization(LatchkeyDefaults.HumanPolicy).RequireRecentAuthentication().RequireCredentialLimits()
            .WithName("ChangeEmail").WithSummary("Change the e-mail address; takes effect when the new address is verified");
        v1.MapPost("/email/verify", VerifyAsync).AllowAnonymous().RequireCredentialLimits()
            .WithName("VerifyEmail").WithSummary("Verify an e-mail address with the token of its link");
        v1.MapPost("/password-reset", RequestResetAsync).AllowAnonymous()
            .WithName("RequestPasswordReset").WithSummary("Ask for a password-reset link; the answer is the same for every login");
        v1.MapPost("/password-reset/complete", CompleteResetAsync).AllowAnonymous().RequireCredentialLimits()
            .WithName("CompletePasswordReset").WithSummary("Choose a new password with the token of a reset link; every session ends");
    }

    private static ProblemHttpResult NotConfigured() => Problems.Status(StatusCodes.Status503ServiceUnavailable,
        "E-mail is not configured", "This server cannot send e-mail; ask its operator.");

    // Note: one answer for a token that is unknown, used, expired or malformed: nothing tells them apart.
    private static ProblemHttpResult BadLink(HttpContext context)
    {
        context.RequestServices.GetRequiredService<IFailedAttemptLimit>().RecordFailure();
        return Problems.Status(StatusCodes.Status400BadRequest, "Invalid or expired link",
            "This link is not valid: it may have been used already or have expired. Ask for a new one.");
    }

    private static async Task<Results<Accepted, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        EmailChangeRequest request, EmailAddressService emails, EmailOutbox outbox, HttpContext context, CancellationToken cancellationToken)
    {
        if (!outbox.IsConfigured)
        {
            return NotConfigured();
        }

        var result = await emails.ChangeAsync(CallerPrincipal.ToCaller(context), request.Email, request.Password, cancellationToken);
        return result.Outcome switch
        {
            EmailChangeOutcome.Accepted => TypedResults.Accepted((string?)null),
            EmailChangeOutcome.Throttled => Problems.TooManyFailures(context.Response, result.RetryAfter),
            _ => Problems.Invalid(result.Error!),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> VerifyAsync(
        EmailVerifyRequest request, EmailAddressService emails, HttpContext context, CancellationToken cancellationToken) =>
        await emails.VerifyAsync(request.Token, cancellationToken) ? TypedResults.NoContent() : BadLink(context);

    private static async Task<Results<Accepted<PasswordResetAccepted>, ValidationProblem, ProblemHttpResult>> RequestResetAsync(
        PasswordResetRequest request, EmailOutbox outbox, PasswordResetService resets, IFailedAttemptLimit failures, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (!outbox.IsConfigured)
        {
            return NotConfigured();
        }

        if (string.IsNullOrEmpty(request.Login) || request.Login.Length > Core.Model.QueuedPasswordReset.MaxLoginLength)
        {
            return Problems.Invalid(new InputError("login", "A login is required."));
        }

        // Note: each request is charged to the client's allowance of failed password checks; once it is used up,
        // requests are dropped, silently: the answer below is the same whatever happens to the request. Below the
        // allowance every login costs the same one write (the request row, committed before the answer: a 202 is never
        // lost), and nothing is looked up here: which logins exist shows neither in the answer nor in its timing.
        if (!failures.IsExhausted(out _))
        {
            failures.RecordFailure();
            await resets.RequestAsync(request.Login, cancellationToken);
        }

        Problems.NoStore(context.Response);
        return TypedResults.Accepted((string?)null, ResetAccepted);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> CompleteResetAsync(
        PasswordResetCompleteRequest request, PasswordResetService resets, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await resets.CompleteAsync(request.Token, request.Password, cancellationToken);
        return result.Outcome switch
        {
            PasswordResetOutcome.Reset => TypedResults.NoContent(),
            PasswordResetOutcome.Invalid => Problems.Invalid(result.Error!),
            _ => BadLink(context),
        };
    }
}
