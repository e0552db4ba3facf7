using System.Diagnostics.CodeAnalysis;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>
/// The cursor of every paged list (<c>GET /v1/audit</c>, <c>/v1/sessions</c>, <c>/v1/users</c>,
/// <c>/v1/users/{id}/sessions</c>, <c>/v1/machine-users</c>): <c>?limit=</c> items (at most
/// <see cref="PageRequest.MaxLimit"/>), newest first, before the item <c>?before=</c>; when another page follows, the
/// answer carries <c>Link: &lt;…?before=…&gt;; rel="next"</c> (RFC 8288), so that a list whose body has always been a
/// plain array keeps that shape.
/// </summary>
internal static class PageQuery
{
    public static bool TryRead(
        int? limit, Guid? before, int defaultLimit, out PageRequest page, [NotNullWhen(false)] out ValidationProblem? problem)
    {
        var size = limit ?? defaultLimit;
        if (size is < 1 or > PageRequest.MaxLimit)
        {
            page = default;
            problem = Problems.Invalid(new InputError("limit", $"limit must be 1 to {PageRequest.MaxLimit}."));
            return false;
        }

        page = new PageRequest(before, size);
        problem = null;
        return true;
    }

    /// <summary>Sets the <c>Link</c> to the next page when there is one: this request's address with the next cursor.</summary>
    public static void LinkNext<T>(HttpContext context, Page<T> page)
    {
        if (page.NextBefore is not { } next)
        {
            return;
        }

        var request = context.Request;
        var query = request.Query.Where(p => p.Key != "before")
            .SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v)))
            .Append(KeyValuePair.Create("before", (string?)next.ToString()));
        context.Response.Headers.Link = new StringValues($"<{request.PathBase}{request.Path}{QueryString.Create(query)}>; rel=\"next\"");
    }
}
