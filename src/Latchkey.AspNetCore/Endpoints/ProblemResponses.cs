using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>
/// Declares in each endpoint's metadata (and so in the OpenAPI document) the problem responses the pipeline may give
/// it besides those its handler's result type names: 400 (an unreadable body or a wrong charset), 401 and 403 when it
/// needs a caller, 404 when its route names a resource, 429 when it is rate-limited, 503 always (storage down, or no
/// hashing capacity), and 409 where a handler answers it. Clients generated from the document then know every answer.
/// </summary>
internal static class ProblemResponses
{
    private static readonly string[] ProblemJson = ["application/problem+json"];

    // Note: the endpoints whose handlers answer 409 through a problem result, which carries no metadata of its own:
    // a login already taken, or a change that would leave the tenant without an enabled owner.
    private static readonly HashSet<string> Conflicting = ["Signup", "CreateUser", "UpdateUser", "DeleteUser"];

    public static void Declare(IEndpointConventionBuilder group) => group.Finally(endpoint =>
    {
        var metadata = endpoint.Metadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var statuses = new List<int> { StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable };
        if (!anonymous)
        {
            statuses.Add(StatusCodes.Status401Unauthorized);
            statuses.Add(StatusCodes.Status403Forbidden);
        }

        if (endpoint is RouteEndpointBuilder { RoutePattern.Parameters.Count: > 0 })
        {
            statuses.Add(StatusCodes.Status404NotFound);
        }

        if (metadata.OfType<IEndpointNameMetadata>().Any(n => Conflicting.Contains(n.EndpointName)))
        {
            statuses.Add(StatusCodes.Status409Conflict);
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            statuses.Add(StatusCodes.Status429TooManyRequests);
        }

        var declared = metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
        foreach (var status in statuses.Where(declared.Add))
        {
            metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ProblemJson));
        }
    });
}
