using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
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
        machines.MapPost("/{id:guid}/token", RotateAsync).RequireRecentAuthentication().WithName("RotateMachineToken").WithSummary("Issue a new token; the old one stops working");
        machines.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteMachineUser").WithSummary("Delete a machine user; its token stops working");
    }

    private static async Task<Results<Created<MachineUserCreatedResponse>, ValidationProblem>> CreateAsync(
        MachineUserRequest request, MachineUserService machines, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        var (created, error) = await machines.CreateAsync(caller, request.Name, request.Scopes, cancellationToken);
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
            u.Id, u.Id, u.Name ?? "", u.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), u.CreatedAt, u.LastUsedAt)).ToList());
    }

    private static async Task<Results<Created<TokenResponse>, ProblemHttpResult>> RotateAsync(
        Guid id, MachineUserService machines, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        var token = await machines.RotateAsync(caller, id, cancellationToken);
        if (token is null)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Machine user not found");
        }

        Problems.NoStore(context.Response);
        return TypedResults.Created((string?)null, new TokenResponse(token));
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
