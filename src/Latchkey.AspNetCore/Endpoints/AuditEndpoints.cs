using Latchkey.AspNetCore.Authentication;
using Latchkey.Contracts;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>The caller's tenant's audit log, for its owners and admins.</summary>
internal static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/audit", ListAsync).RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy).WithTags("Audit")
            .WithName("ListAuditEntries")
            .WithSummary("The tenant's security events, newest first, paged by ?limit= and ?before=, filtered by ?event=");
    }

    private static async Task<Results<Ok<AuditPageResponse>, ValidationProblem>> ListAsync(
        int? limit, Guid? before, string? @event, AuditLog audit, HttpContext context, CancellationToken cancellationToken)
    {
        if (!PageQuery.TryRead(limit, before, AuditLog.DefaultPageSize, out var page, out var invalid))
        {
            return invalid;
        }

        if (@event is { Length: 0 or > AuditEntry.MaxEventLength })
        {
            return Problems.Invalid(new InputError("event", $"event must be 1 to {AuditEntry.MaxEventLength} characters."));
        }

        var entries = await audit.ListAsync(CallerPrincipal.ToCaller(context), @event, page, cancellationToken);
        PageQuery.LinkNext(context, entries);
        return TypedResults.Ok(new AuditPageResponse(
            entries.Items.Select(e => new AuditEntryResponse(e.Id, e.At, e.Event, e.ActorUserId, e.SubjectUserId, e.AppId, e.IpAddress, e.Detail, e.Operator)).ToList(),
            entries.NextBefore));
    }
}
