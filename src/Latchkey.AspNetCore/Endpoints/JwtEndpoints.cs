using System.Text.Json;
using Latchkey.AspNetCore.Authentication;
using Latchkey.Contracts;
using Latchkey.Core.Jwt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>
/// Short-lived signed JWTs for services that verify locally: <c>POST /v1/token</c> exchanges the caller's credential for
/// one; the JWKS and the RFC 8414 metadata (outside <c>/v1</c>, at the well-known addresses) publish how to verify it.
/// </summary>
internal static class JwtEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";
    public const string MetadataPath = "/.well-known/oauth-authorization-server";

    public static void Map(RouteGroupBuilder v1) =>
        v1.MapPost("/token", IssueAsync).RequireAuthorization().WithTags("Verification").WithName("IssueJwt")
            .WithSummary("Exchange the caller's API key or machine token for a short-lived signed JWT (typ at+jwt, ES256)");

    public static void MapWellKnown(IEndpointRouteBuilder endpoints)
    {
        // Note: a group of their own, so that their problem answers (503 with storage down) are declared like /v1's.
        var wellKnown = endpoints.MapGroup("").WithTags("Verification");
        ProblemResponses.Declare(wellKnown);
        wellKnown.MapGet(JwksPath, JwksAsync).AllowAnonymous().WithTags("Verification").WithName("Jwks")
            .WithSummary("The public keys that verify Latchkey's JWTs: the current, the next and the previous, by kid");
        wellKnown.MapGet(MetadataPath, Metadata).AllowAnonymous().WithTags("Verification").WithName("AuthorizationServerMetadata")
            .WithSummary("RFC 8414 metadata: the issuer, the JWKS, the introspection and token endpoints");
    }

    private static async Task<Results<Ok<JwtResponse>, ProblemHttpResult>> IssueAsync(
        JwtRequest? request, JwtIssuer issuer, HttpContext context, CancellationToken cancellationToken)
    {
        if (issuer.Issuer is null)
        {
            return NoIssuer();
        }

        var audience = request?.Aud;
        if (!issuer.AllowsAudience(audience))
        {
            // Note: RFC 8707's invalid_target; the audiences allowed are configuration, not told to the caller.
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown audience",
                detail: "The aud asked for is not one of Latchkey:Jwt:Audiences.",
                extensions: new Dictionary<string, object?> { ["error"] = "invalid_target" });
        }

        var (token, expiresIn) = await issuer.IssueAsync(CallerPrincipal.ToCaller(context), audience, cancellationToken);
        Problems.NoStore(context.Response);
        return TypedResults.Ok(new JwtResponse(token, "Bearer", (long)expiresIn.TotalSeconds));
    }

    private static async Task<IResult> JwksAsync(SigningKeyRing keys, JwtIssuer issuer, HttpContext context, CancellationToken cancellationToken)
    {
        var set = await keys.GetAsync(cancellationToken);

        // Note: a short public cache: resource servers refetch on an unknown kid anyway, and the next key is published
        // one key lifetime before it signs.
        context.Response.Headers.CacheControl = "public, max-age=60";
        var jwks = new
        {
            keys = set.Published.Select(k => new { kty = k.Kty, crv = k.Crv, x = k.X, y = k.Y, kid = k.Kid, alg = k.Alg, use = k.Use }),
        };
        return Results.Json(jwks, JsonOptions, "application/json");
    }

    private static IResult Metadata(JwtIssuer issuer, HttpContext context)
    {
        if (issuer.Issuer is not { } iss)
        {
            return NoIssuer();
        }

        context.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = iss,
            ["jwks_uri"] = iss + JwksPath,
            ["introspection_endpoint"] = iss + "/v1/introspect",
            ["introspection_endpoint_auth_methods_supported"] = new[] { "bearer" },
            ["token_endpoint"] = iss + "/v1/token",
            ["token_endpoint_auth_methods_supported"] = new[] { "bearer" },
            ["scopes_supported"] = new[] { IntrospectionEndpoints.Scope },
            ["response_types_supported"] = Array.Empty<string>(),
            ["grant_types_supported"] = Array.Empty<string>(),
            ["token_endpoint_auth_signing_alg_values_supported"] = new[] { SigningKeyRing.Algorithm },
        }, JsonOptions, "application/json");
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = null };

    private static ProblemHttpResult NoIssuer() => Problems.Status(StatusCodes.Status503ServiceUnavailable, "JWTs not configured",
        "Latchkey:PublicBaseUrl must be set: it is the issuer (iss) of every JWT.");
}
