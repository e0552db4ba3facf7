using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Latchkey.AspNetCore.Authentication;
using Latchkey.Contracts;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>The caller's tenant's audit log, for its owners and admins: pages of JSON, or the filtered view as CSV.</summary>
internal static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/audit", ListAsync).RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy).WithTags("Audit")
            .WithName("ListAuditEntries")
            .WithSummary("The tenant's security events, newest first, paged by ?limit= and ?before=, filtered by ?event=, "
                + "?actor= (a user id), ?from= and ?to= (instants; from inclusive, to exclusive)");
        v1.MapGet("/audit/export", ExportAsync).RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy).WithTags("Audit")
            .WithName("ExportAuditEntries")
            .WithSummary($"The filtered view (same filters as GET /v1/audit) as CSV, newest first, at most {AuditLog.ExportCap} rows; "
                + "the export itself is recorded as audit.exported");
    }

    private static async Task<Results<Ok<AuditPageResponse>, ValidationProblem>> ListAsync(
        int? limit, Guid? before, string? @event, Guid? actor, DateTimeOffset? from, DateTimeOffset? to, AuditLog audit,
        HttpContext context, CancellationToken cancellationToken)
    {
        if (!PageQuery.TryRead(limit, before, AuditLog.DefaultPageSize, out var page, out var invalid)
            || !TryReadFilter(@event, actor, from, to, out var filter, out invalid))
        {
            return invalid;
        }

        var caller = CallerPrincipal.ToCaller(context);
        var entries = await audit.ListAsync(caller, filter, page, cancellationToken);
        var names = await audit.AppNamesAsync(caller, entries.Items, cancellationToken);
        PageQuery.LinkNext(context, entries);
        return TypedResults.Ok(new AuditPageResponse(
            entries.Items.Select(e => new AuditEntryResponse(e.Id, e.At, e.Event, e.ActorUserId, e.SubjectUserId, e.AppId, e.IpAddress,
                e.Detail, e.Operator, e.AppId is not null && names.TryGetValue(e.AppId, out var name) ? name : null)).ToList(),
            entries.NextBefore));
    }

    /// <summary>
    /// The filtered view as CSV (RFC 4180), written page by page as it is read. Note: the export is recorded before the
    /// first row is sent, so an export cut short by the client is still on record; its detail names the filter.
    /// </summary>
    private static async Task<Results<PushStreamHttpResult, ValidationProblem>> ExportAsync(
        string? @event, Guid? actor, DateTimeOffset? from, DateTimeOffset? to, AuditLog audit, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (!TryReadFilter(@event, actor, from, to, out var filter, out var invalid))
        {
            return invalid;
        }

        var caller = CallerPrincipal.ToCaller(context);
        await audit.RecordAsync(caller, AuditEvents.AuditExported, null, Describe(filter), cancellationToken);
        Problems.NoStore(context.Response);
        return TypedResults.Stream(async stream =>
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 16 * 1024);
            await writer.WriteAsync("at,event,actor_user_id,subject_user_id,app_id,app_name,ip,detail,operator\r\n");
            await foreach (var entries in audit.ExportAsync(caller, filter, AuditLog.ExportCap, context.RequestAborted))
            {
                var names = await audit.AppNamesAsync(caller, entries, context.RequestAborted);
                foreach (var e in entries)
                {
                    await writer.WriteAsync(string.Join(',',
                        e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), Cell(e.Event),
                        e.ActorUserId?.ToString() ?? "", e.SubjectUserId?.ToString() ?? "", Cell(e.AppId),
                        Cell(e.AppId is not null && names.TryGetValue(e.AppId, out var name) ? name : null), Cell(e.IpAddress),
                        Cell(e.Detail), Cell(e.Operator)) + "\r\n");
                }

                await writer.FlushAsync(context.RequestAborted);
            }
        }, "text/csv; charset=utf-8", "audit-log.csv");
    }

    private static bool TryReadFilter(
        string? eventName, Guid? actor, DateTimeOffset? from, DateTimeOffset? to, out AuditFilter filter,
        [NotNullWhen(false)] out ValidationProblem? problem)
    {
        // Note: instants are compared in UTC; PostgreSQL's driver takes only UTC offsets for timestamptz parameters.
        filter = new AuditFilter(eventName, actor, from?.ToUniversalTime(), to?.ToUniversalTime());
        problem = eventName is { Length: 0 or > AuditEntry.MaxEventLength }
            ? Problems.Invalid(new InputError("event", $"event must be 1 to {AuditEntry.MaxEventLength} characters."))
            : from is { } start && to is { } end && end <= start
                ? Problems.Invalid(new InputError("to", "to must be later than from."))
                : null;
        return problem is null;
    }

    private static string? Describe(AuditFilter filter)
    {
        var parts = new List<string>();
        if (filter.Event is { } eventName) parts.Add($"event={eventName}");
        if (filter.Actor is { } actor) parts.Add($"actor={actor}");
        if (filter.From is { } from) parts.Add($"from={from.UtcDateTime:O}");
        if (filter.To is { } to) parts.Add($"to={to.UtcDateTime:O}");
        return parts.Count == 0 ? "all entries" : string.Join(' ', parts);
    }

    /// <summary>
    /// One CSV field: quoted when it holds a comma, quote or line break. Note: a field that a spreadsheet would read as a
    /// formula (=, +, -, @, tab, CR first) gets a leading apostrophe: details quote client-chosen text such as a machine
    /// user's name (OWASP, CSV injection).
    /// </summary>
    internal static string Cell(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        if (text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }

        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
