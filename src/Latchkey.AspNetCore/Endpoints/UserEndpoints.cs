using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Credentials;
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
            .WithSummary("The tenant's human users, newest first, paged by ?limit= and ?before= (Link rel=next); ?login= keeps those whose login contains it");
        users.MapGet("/{id:guid}", GetAsync).WithName("GetUser").WithSummary("One human user, with its lock state, last sign-in and second factors");
        // Note: rate-limited like sign-up: its 409 tells whether a login exists anywhere in the service.
        users.MapPost("", CreateAsync).RequireCredentialLimits().WithName("CreateUser").WithSummary("Create a human user with one role");
        users.MapPatch("/{id:guid}", UpdateAsync).RequireRecentAuthentication().WithName("UpdateUser")
            .WithSummary("Change a user's role, or disable or enable it; disabling ends all its sessions");
        users.MapDelete("/{id:guid}", DeleteAsync).RequireRecentAuthentication().WithName("DeleteUser").WithSummary("Delete a user; all its sessions end");
        users.MapGet("/{id:guid}/sessions", ListSessionsAsync).WithName("ListUserSessions")
            .WithSummary("A user's live sessions, newest first, paged by ?limit= and ?before= (Link rel=next); never a key");
        users.MapDelete("/{id:guid}/sessions", RevokeSessionsAsync).WithName("RevokeUserSessions").WithSummary("End all of a user's sessions");
        users.MapPost("/{id:guid}/unlock", UnlockAsync).WithName("UnlockUser").WithSummary("Clear a user's failed-login count and lock");
        users.MapPost("/{id:guid}/password-reset", SendPasswordResetAsync).WithName("SendUserPasswordReset")
            .WithSummary("E-mail the user a password-reset link (to its verified address), as POST /v1/password-reset would");
    }

    private static async Task<Results<Ok<List<UserResponse>>, ValidationProblem>> ListAsync(
        int? limit, Guid? before, string? login, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        if (!PageQuery.TryRead(limit, before, PageRequest.MaxLimit, out var page, out var invalid))
        {
            return invalid;
        }

        // Note: the search is normalised like a login, so "Alice@Example.com" finds alice@example.com.
        string? part = null;
        if (!string.IsNullOrWhiteSpace(login) && (part = LoginNormalizer.Normalize(login.Trim())) is null)
        {
            return Problems.Invalid(new InputError("login", $"A search of 1 to {LoginNormalizer.MaxLength} printable characters."));
        }

        var list = await admin.ListAsync(CallerPrincipal.ToCaller(context), part, page, cancellationToken);
        PageQuery.LinkNext(context, list);
        return TypedResults.Ok(list.Items.Select(ToResponse).ToList());
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetAsync(
        Guid id, UserAdminService admin, HttpContext context, CancellationToken cancellationToken) =>
        await admin.FindAsync(CallerPrincipal.ToCaller(context), id, cancellationToken) is { } user
            ? TypedResults.Ok(ToResponse(user))
            : NotFound();

    private static async Task<Results<Accepted, ProblemHttpResult>> SendPasswordResetAsync(
        Guid id, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        var outcome = await admin.SendPasswordResetAsync(CallerPrincipal.ToCaller(context), id, cancellationToken);
        return outcome == UserAdminOutcome.Done ? TypedResults.Accepted((string?)null) : Problem(outcome);
    }

    private static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        UserRequest request, UserAdminService admin, HttpContext context, CancellationToken cancellationToken)
    {
        // Note: a person whose password an admin chose must choose their own first, unless the request opts out
        // (automation that creates accounts for itself, tests).
        var result = await admin.CreateAsync(
            CallerPrincipal.ToCaller(context), request.Login, request.Password, request.Roles, request.MustChangePassword ?? true, cancellationToken);
        if (result.Outcome == UserAdminOutcome.LoginTaken)
        {
            CredentialRateLimiting.ChargeFailure(context);
        }

        return result.Outcome switch
        {
            UserAdminOutcome.Done => TypedResults.Created($"/v1/users/{result.User!.Id}", ToResponse(new UserSummary(result.User, null))),
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

    private static UserResponse ToResponse(UserSummary summary)
    {
        var user = summary.User;
        List<string> factors = [];
        if (summary.HasTotp)
        {
            factors.Add("totp");
        }

        if (summary.Passkeys > 0)
        {
            factors.Add("passkey");
        }

        return new(user.Id, user.Login, [TenantRoles.Name(user.Role)], user.Disabled, user.CreatedAt, summary.LastSessionUseAt,
            user.LastSignInAt, summary.Lock.Locked, summary.Lock.DelayedUntil, summary.Lock.Failures, factors, user.Email, user.EmailVerified,
            user.MustChangePassword);
    }

    private static ProblemHttpResult NotFound() => Problems.Status(StatusCodes.Status404NotFound, "User not found");

    // Note: another tenant's user, a machine user and an unknown id all answer the same 404: no existence leak.
    private static ProblemHttpResult Problem(UserAdminOutcome outcome) => outcome switch
    {
        UserAdminOutcome.Forbidden => Problems.Status(StatusCodes.Status403Forbidden, "Forbidden",
            "Admins manage members and admins only and cannot grant the owner role; owners can do everything."),
        UserAdminOutcome.LastOwner => Problems.Status(StatusCodes.Status409Conflict, "Last owner",
            "A tenant keeps at least one enabled owner: make another user owner first."),
        UserAdminOutcome.LoginTaken => Problems.Status(StatusCodes.Status409Conflict, "Login taken", "Choose another login."),
        UserAdminOutcome.NoVerifiedEmail => Problems.Status(StatusCodes.Status409Conflict, "No verified e-mail address",
            "The person has no verified e-mail address to send a reset link to (or is disabled). Set a password for them instead, or invite them again."),
        UserAdminOutcome.Conflict => Problems.Status(StatusCodes.Status409Conflict, "User changed",
            "The user's role or state changed while this request was handled; nothing was changed. Read it again and retry."),
        _ => NotFound(),
    };
}
