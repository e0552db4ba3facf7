using Latchkey.AspNetCore.Authentication;
using Latchkey.Contracts;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>The caller's tenant's audit log, for its owners and admins.</summary>
internal static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/audit", ListAsync).RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy).WithTags("Audit")
            .WithName("ListAuditEntries").WithSummary("The tenant's security events, newest first, paged by ?limit= and ?before=");
    }

    private static async Task<Results<Ok<AuditPageResponse>, ValidationProblem>> ListAsync(
        int? limit, Guid? before, AuditLog audit, HttpContext context, CancellationToken cancellationToken)
    {
        var size = limit ?? AuditLog.DefaultPageSize;
        if (size is < 1 or > AuditLog.MaxPageSize)
        {
            return Problems.Invalid(new InputError("limit", $"limit must be 1 to {AuditLog.MaxPageSize}."));
        }

        var (entries, next) = await audit.ListAsync(CallerPrincipal.ToCaller(context), before, size, cancellationToken);
        return TypedResults.Ok(new AuditPageResponse(
            entries.Select(e => new AuditEntryResponse(e.Id, e.At, e.Event, e.ActorUserId, e.SubjectUserId, e.AppId, e.IpAddress, e.Detail, e.Operator)).ToList(),
            next));
    }
}
