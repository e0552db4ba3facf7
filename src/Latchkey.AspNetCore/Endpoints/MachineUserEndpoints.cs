using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.RateLimiting;
using Latchkey.Contracts;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>A tenant's machine users, managed by its owners and admins.</summary>
internal static class MachineUserEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var machines = v1.MapGroup("/machine-users").RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy).WithTags("Machine users");
        machines.MapPost("", CreateAsync).RequireRecentAuthentication().WithName("CreateMachineUser").WithSummary("Create a machine user; its token is shown once");
        machines.MapGet("", ListAsync).WithName("ListMachineUsers")
            .WithSummary("The tenant's machine users, newest first, paged by ?limit= and ?before= (Link rel=next)");
        machines.MapPost("/{id:guid}/token", RotateAsync).RequireRecentAuthentication().WithName("RotateMachineToken")
            .WithSummary("Issue a new token; the old one stops working, or after graceSeconds (with Deprecation and Sunset headers meanwhile)");
        machines.MapDelete("/{id:guid}/token/previous", EndGraceAsync).RequireRecentAuthentication().WithName("EndMachineTokenGrace")
            .WithSummary("End the previous token's grace period now");
        machines.MapGet("/{id:guid}/rate-limit", GetRateLimitAsync).WithName("GetMachineUserRateLimit")
            .WithSummary("The machine user's own rate limit; 404 when it has none");
        machines.MapPut("/{id:guid}/rate-limit", SetRateLimitAsync).WithName("SetMachineUserRateLimit")
            .WithSummary("Give the machine user its own rate limit on every endpoint limited per credential (audited)");
        machines.MapDelete("/{id:guid}/rate-limit", ClearRateLimitAsync).WithName("ClearMachineUserRateLimit")
            .WithSummary("Clear the machine user's own rate limit: the endpoints' limits apply again (audited)");
        machines.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteMachineUser").WithSummary("Delete a machine user; its token stops working");
    }

    private static async Task<Results<Created<MachineUserCreatedResponse>, ValidationProblem>> CreateAsync(
        MachineUserRequest request, MachineUserService machines, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        var (created, error) = await machines.CreateAsync(caller, request.Name, request.Scopes,
            new TokenExpiry(request.ExpiresAt, request.ExpiresIn), cancellationToken);
        if (created is null)
        {
            return Problems.Invalid(error!);
        }

        Problems.NoStore(context.Response);
        return TypedResults.Created($"/v1/machine-users/{created.User.Id}",
            new MachineUserCreatedResponse(created.User.Id, created.User.Name!, created.Token));
    }

    private static async Task<Results<Ok<List<MachineUserResponse>>, ValidationProblem>> ListAsync(
        int? limit, Guid? before, MachineUserService machines, HttpContext context, CancellationToken cancellationToken)
    {
        if (!PageQuery.TryRead(limit, before, PageRequest.MaxLimit, out var page, out var invalid))
        {
            return invalid;
        }

        var caller = CallerPrincipal.ToCaller(context);
        var list = await machines.ListAsync(caller, page, cancellationToken);
        PageQuery.LinkNext(context, list);
        return TypedResults.Ok(list.Items.Select(u => new MachineUserResponse(
            u.Id, u.Id, u.Name ?? "", u.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), u.CreatedAt, u.LastUsedAt,
            u.TokenExpiresAt, u.PreviousSecretVerifier is null ? null : u.PreviousSecretUntil, u.TokenIssuedAt ?? u.CreatedAt)).ToList());
    }

    private static async Task<Results<Created<MachineTokenResponse>, ValidationProblem, ProblemHttpResult>> RotateAsync(
        Guid id, MachineTokenRequest? request, MachineUserService machines, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        var rotation = await machines.RotateAsync(caller, id, request?.GraceSeconds,
            new TokenExpiry(request?.ExpiresAt, request?.ExpiresIn), cancellationToken);
        if (rotation is null)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Machine user not found");
        }

        if (rotation.Error is { } error)
        {
            return Problems.Invalid(error);
        }

        Problems.NoStore(context.Response);
        return TypedResults.Created((string?)null, new MachineTokenResponse(rotation.Token!, rotation.ExpiresAt, rotation.GraceEndsAt));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> EndGraceAsync(
        Guid id, MachineUserService machines, HttpContext context, CancellationToken cancellationToken) =>
        await machines.EndGraceAsync(CallerPrincipal.ToCaller(context), id, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.Status(StatusCodes.Status404NotFound, "No previous token", "The machine user was not found or has no previous token in a grace period.");

    private static async Task<Results<Ok<MachineUserRateLimitBody>, ProblemHttpResult>> GetRateLimitAsync(
        Guid id, MachineUserService machines, HttpContext context, CancellationToken cancellationToken) =>
        await machines.FindRateLimitAsync(CallerPrincipal.ToCaller(context), id, cancellationToken) is { } limit
            ? TypedResults.Ok(new MachineUserRateLimitBody(limit.Permits, limit.WindowSeconds))
            : Problems.Status(StatusCodes.Status404NotFound, "No rate limit", "The machine user was not found or has no rate limit of its own.");

    private static async Task<Results<Ok<MachineUserRateLimitBody>, ValidationProblem, ProblemHttpResult>> SetRateLimitAsync(
        Guid id, MachineUserRateLimitBody request, MachineUserService machines, MachineUserLimits limits, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (request.Permits is not { } permits)
        {
            return Problems.Invalid(new InputError("permits", "Permits are required."));
        }

        if (request.WindowSeconds is not { } window)
        {
            return Problems.Invalid(new InputError("windowSeconds", "The window in seconds is required."));
        }

        var (found, error) = await machines.SetRateLimitAsync(CallerPrincipal.ToCaller(context), id, permits, window, cancellationToken);
        if (error is not null)
        {
            return Problems.Invalid(error);
        }

        if (!found)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Machine user not found");
        }

        limits.Forget(id);
        return TypedResults.Ok(new MachineUserRateLimitBody(permits, window));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ClearRateLimitAsync(
        Guid id, MachineUserService machines, MachineUserLimits limits, HttpContext context, CancellationToken cancellationToken)
    {
        if (!await machines.ClearRateLimitAsync(CallerPrincipal.ToCaller(context), id, cancellationToken))
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Machine user not found");
        }

        limits.Forget(id);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, MachineUserService machines, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        return await machines.DeleteAsync(caller, id, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.Status(StatusCodes.Status404NotFound, "Machine user not found");
    }
}
