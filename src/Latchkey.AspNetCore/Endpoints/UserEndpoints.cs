using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>A tenant's human users, managed by its owners and admins. Machine users live under /v1/machine-users.</summary>
internal static class UserEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var users = v1.MapGroup("/users").RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy).WithTags("Users");
        users.MapGet("", ListAsync).WithName("ListUsers")
            .WithSummary("The tenant's human users, newest first, paged by ?limit= and ?before= (Link rel=next)");
        // Note: rate-limited like sign-up: its 409 tells whether a login exists anywhere in the service.
        users.MapPost("", CreateAsync).RequireCredentialLimits().WithName("CreateUser").WithSummary("Create a human user with one role");
        users.MapPatch("/{id:guid}", UpdateAsync).RequireRecentAuthentication().WithName("UpdateUser")
            .WithSummary("Change a user's role, or disable or enable it; disabling ends all its sessions");
        users.MapDelete("/{id:guid}", DeleteAsync).RequireRecentAuthentication().WithName("DeleteUser").WithSummary("Delete a user; all its sessions end");
        users.MapGet("/{id:guid}/sessions", ListSessionsAsync).WithName("ListUserSessions")
            .WithSummary("A user's live sessions, newest first, paged by ?limit= and ?before= (Link rel=next); never a key");
        users.MapDelete("/{id:guid}/sessions", RevokeSessionsAsync).WithName("RevokeUserSessions").WithSummary("End all of a user's sessions");
        users.MapPost("/{id:guid}/unlock", UnlockAsync).WithName("UnlockUser").WithSummary("Clear a user's failed-login count and lock");
    }

    private static async Task<Results<Ok<List<UserResponse>>, ValidationProblem>> ListAsync(
        int? limit, Guid? before, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        if (!PageQuery.TryRead(limit, before, PageRequest.MaxLimit, out var page, out var invalid))
        {
            return invalid;
        }

        var list = await admin.ListAsync(CallerPrincipal.ToCaller(context), page, cancellationToken);
        PageQuery.LinkNext(context, list);
        return TypedResults.Ok(list.Items.Select(u => ToResponse(u.User, u.LastSessionUseAt)).ToList());
    }

    private static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        UserRequest request, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await admin.CreateAsync(CallerPrincipal.ToCaller(context), request.Login, request.Password, request.Roles, cancellationToken);
        if (result.Outcome == UserAdminOutcome.LoginTaken)
        {
            CredentialRateLimiting.ChargeFailure(context);
        }

        return result.Outcome switch
        {
            UserAdminOutcome.Done => TypedResults.Created($"/v1/users/{result.User!.Id}", ToResponse(result.User, null)),
            UserAdminOutcome.Invalid => Problems.Invalid(result.Error!),
            _ => Problem(result.Outcome),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, UserUpdateRequest request, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await admin.UpdateAsync(CallerPrincipal.ToCaller(context), id, request.Roles, request.Disabled, cancellationToken);
        return result.Outcome switch
        {
            UserAdminOutcome.Done => TypedResults.NoContent(),
            UserAdminOutcome.Invalid => Problems.Invalid(result.Error!),
            _ => Problem(result.Outcome),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        var outcome = await admin.DeleteAsync(CallerPrincipal.ToCaller(context), id, cancellationToken);
        return outcome == UserAdminOutcome.Done ? TypedResults.NoContent() : Problem(outcome);
    }

    private static async Task<Results<Ok<List<SessionResponse>>, ValidationProblem, ProblemHttpResult>> ListSessionsAsync(
        Guid id, int? limit, Guid? before, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        if (!PageQuery.TryRead(limit, before, PageRequest.MaxLimit, out var page, out var invalid))
        {
            return invalid;
        }

        var caller = CallerPrincipal.ToCaller(context);
        var list = await admin.ListSessionsAsync(caller, id, page, cancellationToken);
        if (list is null)
        {
            return NotFound();
        }

        PageQuery.LinkNext(context, list);
        return TypedResults.Ok(list.Items.Select(s => SessionEndpoints.ToResponse(s, caller)).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionsAsync(
        Guid id, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        var outcome = await admin.RevokeSessionsAsync(CallerPrincipal.ToCaller(context), id, cancellationToken);
        return outcome == UserAdminOutcome.Done ? TypedResults.NoContent() : Problem(outcome);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(
        Guid id, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        var outcome = await admin.UnlockAsync(CallerPrincipal.ToCaller(context), id, cancellationToken);
        return outcome == UserAdminOutcome.Done ? TypedResults.NoContent() : Problem(outcome);
    }

    private static UserResponse ToResponse(User user, DateTimeOffset? lastUsedAt) =>
        new(user.Id, user.Login, [TenantRoles.Name(user.Role)], user.Disabled, user.CreatedAt, lastUsedAt);

    private static ProblemHttpResult NotFound() => Problems.Status(StatusCodes.Status404NotFound, "User not found");

    // Note: another tenant's user, a machine user and an unknown id all answer the same 404: no existence leak.
    private static ProblemHttpResult Problem(UserAdminOutcome outcome) => outcome switch
    {
        UserAdminOutcome.Forbidden => Problems.Status(StatusCodes.Status403Forbidden, "Forbidden",
            "Admins manage members and admins only and cannot grant the owner role; owners can do everything."),
        UserAdminOutcome.LastOwner => Problems.Status(StatusCodes.Status409Conflict, "Last owner",
            "A tenant keeps at least one enabled owner: make another user owner first."),
        UserAdminOutcome.LoginTaken => Problems.Status(StatusCodes.Status409Conflict, "Login taken", "Choose another login."),
        UserAdminOutcome.Conflict => Problems.Status(StatusCodes.Status409Conflict, "User changed",
            "The user's role or state changed while this request was handled; nothing was changed. Read it again and retry."),
        _ => NotFound(),
    };
}
