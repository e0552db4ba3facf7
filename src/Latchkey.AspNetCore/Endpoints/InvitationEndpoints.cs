using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Email;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>Invitations by e-mail: owners and admins invite, revoke and list; whoever holds the link accepts.</summary>
internal static class InvitationEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var invitations = v1.MapGroup("/invitations").WithTags("Invitations");
        invitations.MapPost("", InviteAsync).RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy).RequireCredentialLimits()
            .WithName("Invite").WithSummary("Invite a person by e-mail into the tenant with a role");
        invitations.MapGet("", ListAsync).RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy)
            .WithName("ListInvitations").WithSummary("The tenant's pending invitations");
        invitations.MapDelete("/{id:guid}", RevokeAsync).RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy)
            .WithName("RevokeInvitation").WithSummary("Revoke a pending invitation");
        invitations.MapPost("/accept", AcceptAsync).AllowAnonymous().RequireCredentialLimits()
            .WithName("AcceptInvitation").WithSummary("Accept an invitation: creates the person with the invited role");
    }

    private static async Task<Results<Created<InvitationCreatedResponse>, ValidationProblem, ProblemHttpResult>> InviteAsync(
        InvitationRequest request, InvitationService service, EmailOutbox outbox, HttpContext context, CancellationToken cancellationToken)
    {
        if (!outbox.IsConfigured)
        {
            return Problems.Status(StatusCodes.Status503ServiceUnavailable, "E-mail is not configured", "This server cannot send e-mail; ask its operator.");
        }

        var result = await service.InviteAsync(CallerPrincipal.ToCaller(context), request.Email, [request.Role], cancellationToken);
        return result.Outcome switch
        {
            InvitationOutcome.Done => TypedResults.Created($"/v1/invitations/{result.Invitation!.Id}",
                new InvitationCreatedResponse(result.Invitation.Id, result.Invitation.ExpiresAt)),
            InvitationOutcome.Invalid => Problems.Invalid(result.Error!),
            _ => Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", "Admins invite members and admins only; owners can invite any role."),
        };
    }

    private static async Task<Ok<List<InvitationResponse>>> ListAsync(InvitationService service, HttpContext context, CancellationToken cancellationToken)
    {
        var list = await service.ListAsync(CallerPrincipal.ToCaller(context), cancellationToken);
        return TypedResults.Ok(list.Select(i => new InvitationResponse(i.Id, i.Email, TenantRoles.Name(i.Role), i.CreatedAt, i.ExpiresAt)).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid id, InvitationService service, HttpContext context, CancellationToken cancellationToken) =>
        await service.RevokeAsync(CallerPrincipal.ToCaller(context), id, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.Status(StatusCodes.Status404NotFound, "Not found", "No pending invitation with this id.");

    private static async Task<Results<Created<InvitationAcceptedResponse>, ValidationProblem, ProblemHttpResult>> AcceptAsync(
        InvitationAcceptRequest request, InvitationService service, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await service.AcceptAsync(request.Token, request.Password, cancellationToken);
        switch (result.Outcome)
        {
            case InvitationOutcome.Done:
                return TypedResults.Created($"/v1/users/{result.User!.Id}", new InvitationAcceptedResponse(result.User.Id, result.User.TenantId));
            case InvitationOutcome.Invalid:
                return Problems.Invalid(result.Error!);
            case InvitationOutcome.LoginTaken:
                return Problems.Status(StatusCodes.Status409Conflict, "Login taken",
                    "A person with this address as login exists already; sign in, or ask for an invitation to another address.");
            default:
                // Note: one answer for an invitation that is unknown, accepted, revoked, expired or malformed.
                context.RequestServices.GetRequiredService<IFailedAttemptLimit>().RecordFailure();
                return Problems.Status(StatusCodes.Status400BadRequest, "Invalid or expired invitation",
                    "This invitation link is not valid: it may have been used or revoked, or have expired. Ask for a new one.");
        }
    }
}
