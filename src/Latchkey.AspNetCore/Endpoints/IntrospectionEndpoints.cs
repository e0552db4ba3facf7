using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Contracts;
using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>
/// RFC 7662 token introspection for services that do not share Latchkey's database: they ask, with a machine token of
/// their own holding <see cref="Scope"/>, whether an API key or machine token presented to them is live, and whose.
/// </summary>
internal static class IntrospectionEndpoints
{
    /// <summary>The scope a machine user needs to introspect.</summary>
    public const string Scope = MachineUserService.IntrospectionScope;

    /// <summary>The reserved scope for introspecting every tenant's credentials (granted by an operator only).</summary>
    public const string AllTenantsScope = MachineUserService.AllTenantsIntrospectionScope;

    // Note: a form of a token (under 100 characters), an app id (at most 128) and a hint needs well under 4 KB; a
    // bigger body is refused before it is buffered, so a 1 MB "token" costs nothing.
    private const int MaxBodyBytes = 4096;

    private static readonly FormOptions Limits = new()
    {
        ValueLengthLimit = MaxBodyBytes,
        KeyLengthLimit = 64,
        ValueCountLimit = 8,
        MultipartBodyLengthLimit = MaxBodyBytes,
        BufferBody = false,
    };

    public static void Map(RouteGroupBuilder v1) =>
        v1.MapPost("/introspect", IntrospectAsync).RequireScope(Scope).WithTags("Verification").WithName("Introspect")
            .WithSummary("RFC 7662 introspection of an API key (with its app_id) or machine token; anything not active or not visible answers {\"active\": false}")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<Results<Ok<IntrospectionResponse>, ProblemHttpResult>> IntrospectAsync(
        HttpContext context, CredentialValidator validator, IntrospectionLimit limit, LatchkeyMetrics metrics,
        CancellationToken cancellationToken)
    {
        var introspector = CallerPrincipal.ToCaller(context);
        var request = context.Request;
        Problems.NoStore(context.Response);
        if (!limit.TryAcquire(introspector.UserId))
        {
            metrics.Introspected(LatchkeyMetrics.IntrospectionOutcomes.Throttled);
            Problems.SetRetryAfter(context.Response, TimeSpan.FromSeconds(1));
            return Problems.Status(StatusCodes.Status429TooManyRequests, "Too many introspection requests",
                "This caller has used up its introspection allowance. Try again after the Retry-After interval.");
        }

        // Note: RFC 7662 §2.1: the parameters come as application/x-www-form-urlencoded, and nothing else is read.
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            metrics.Introspected(LatchkeyMetrics.IntrospectionOutcomes.Invalid);
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the parameters as application/x-www-form-urlencoded (RFC 7662 §2.1).");
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            metrics.Introspected(LatchkeyMetrics.IntrospectionOutcomes.Invalid);
            return TooLarge();
        }

        IFormCollection form;
        try
        {
            context.Features.Set<IFormFeature>(new FormFeature(request, Limits));
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            // Note: a chunked body with no length, past the limits: refused like a declared one.
            metrics.Introspected(LatchkeyMetrics.IntrospectionOutcomes.Invalid);
            return TooLarge();
        }

        // Note: a parameter given twice is ambiguous (which one would a proxy, a logger, this server read?): refused.
        if (form["token"].Count != 1 || string.IsNullOrEmpty(form["token"][0]) || form["app_id"].Count > 1
            || form["token_type_hint"].Count > 1)
        {
            metrics.Introspected(LatchkeyMetrics.IntrospectionOutcomes.Invalid);
            return Problems.Status(StatusCodes.Status400BadRequest, "Invalid introspection request",
                "Send exactly one token parameter, and at most one app_id and one token_type_hint.");
        }

        // Note: token_type_hint is only a hint (RFC 7662 §2.1): the token's prefix says what it is, so it is not read.
        var appId = form["app_id"] is [{ } given] && AppIdFormat.IsValid(given) ? given : null;
        var check = await validator.ValidateAsync(form["token"][0], appId, cancellationToken);

        // Note: unknown, malformed, expired, revoked, the wrong app id or another tenant's: one answer, so that the
        // answer tells nothing about which (RFC 7662 §2.2 allows no more).
        if (check.Caller is not { } subject
            || (subject.TenantId != introspector.TenantId && !HasScope(introspector, AllTenantsScope)))
        {
            metrics.Introspected(LatchkeyMetrics.IntrospectionOutcomes.Inactive);
            return TypedResults.Ok(IntrospectionResponse.Inactive);
        }

        metrics.Introspected(LatchkeyMetrics.IntrospectionOutcomes.Active);
        var isSession = subject.SessionId is not null;
        return TypedResults.Ok(new IntrospectionResponse(
            Active: true,
            Sub: subject.UserIdText,
            TenantId: subject.TenantIdText,
            Kind: CallerPrincipal.KindName(subject.Kind),
            Roles: [CallerPrincipal.RoleName(subject.Role)],
            Scope: subject.Scopes,
            ClientId: subject.AppId,
            Sid: subject.SessionIdText,
            Iat: subject.IssuedAt?.ToUnixTimeSeconds(),
            Exp: subject.ExpiresAt?.ToUnixTimeSeconds(),
            TokenType: "Bearer",
            Amr: isSession ? AuthenticationMethods.Parse(subject.Amr) : null,
            AuthTime: isSession ? subject.AuthTime?.ToUnixTimeSeconds() : null));
    }

    public static bool HasScope(AuthenticatedCaller caller, string scope)
    {
        foreach (var range in caller.Scopes.AsSpan().Split(' '))
        {
            if (caller.Scopes.AsSpan()[range].SequenceEqual(scope))
            {
                return true;
            }
        }

        return false;
    }

    private static ProblemHttpResult TooLarge() => Problems.Status(StatusCodes.Status413PayloadTooLarge, "Request too large",
        $"An introspection request is at most {MaxBodyBytes} bytes.");
}
