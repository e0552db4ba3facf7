using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.Contracts;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>A person's app instances: list them, end one, this one, or all.</summary>
internal static class SessionEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var sessions = v1.MapGroup("/sessions").RequireAuthorization(LatchkeyDefaults.HumanPolicy).WithTags("Sessions");
        sessions.MapGet("", ListAsync).WithName("ListSessions")
            .WithSummary("The caller's live sessions, newest first, paged by ?limit= and ?before= (Link rel=next); never a key");
        sessions.MapDelete("/current", RevokeCurrentAsync).WithMetadata(AllowedDuringMfaEnrolment.Instance, AllowedBeforePasswordChange.Instance).WithName("RevokeCurrentSession").WithSummary("Log out this app instance");
        sessions.MapDelete("/{id:guid}", RevokeAsync).WithName("RevokeSession").WithSummary("End one of the caller's sessions");
        sessions.MapDelete("", RevokeAllAsync).WithName("RevokeAllSessions").WithSummary("Log out everywhere, this session included");
    }

    private static async Task<Results<Ok<List<SessionResponse>>, ValidationProblem>> ListAsync(
        int? limit, Guid? before, SessionService sessions, HttpContext context, CancellationToken cancellationToken)
    {
        if (!PageQuery.TryRead(limit, before, PageRequest.MaxLimit, out var page, out var invalid))
        {
            return invalid;
        }

        var caller = CallerPrincipal.ToCaller(context);
        var list = await sessions.ListAsync(caller.UserId, page, cancellationToken);
        PageQuery.LinkNext(context, list);
        return TypedResults.Ok(list.Items.Select(s => ToResponse(s, caller)).ToList());
    }

    public static SessionResponse ToResponse(AppSession s, AuthenticatedCaller caller) =>
        new(s.Id, s.AppId, s.AppName, s.CreatedAt, s.CreatedIp, s.LastUsedAt, s.ExpiresAt, s.Id == caller.SessionId,
            AuthenticationMethods.Parse(s.Amr), s.AuthTime);

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid id, SessionService sessions, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        if (!await sessions.RevokeAsync(caller, id, cancellationToken))
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Session not found");
        }

        if (id == caller.SessionId)
        {
            SessionCookies.Delete(context);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeCurrentAsync(
        SessionService sessions, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        await sessions.RevokeAsync(caller, caller.SessionId!.Value, cancellationToken);
        SessionCookies.Delete(context);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> RevokeAllAsync(SessionService sessions, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context);
        await sessions.RevokeAllAsync(caller, caller.UserId, cancellationToken);
        SessionCookies.Delete(context);
        return TypedResults.NoContent();
    }
}
