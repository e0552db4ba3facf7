using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Latchkey.Core.Model;
using Latchkey.Core.Services;

namespace Latchkey.AspNetCore.Authentication;

/// <summary>Maps between the caller Core established and the claims principal ASP.NET Core carries.</summary>
internal static class CallerPrincipal
{
    public static ClaimsPrincipal ToPrincipal(AuthenticatedCaller caller, string scheme)
    {
        var claims = new List<Claim>(8)
        {
            new(LatchkeyClaimTypes.UserId, caller.UserId.ToString()),
            new(LatchkeyClaimTypes.TenantId, caller.TenantId.ToString()),
            new(LatchkeyClaimTypes.Login, caller.Login),
            new(LatchkeyClaimTypes.Kind, KindName(caller.Kind)),
            new(LatchkeyClaimTypes.Role, RoleName(caller.Role)),
        };
        foreach (var scope in caller.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            claims.Add(new(LatchkeyClaimTypes.Scope, scope));
        }

        if (caller.SessionId is { } sessionId)
        {
            claims.Add(new(LatchkeyClaimTypes.SessionId, sessionId.ToString()));
            claims.Add(new(LatchkeyClaimTypes.AppId, caller.AppId!));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, LatchkeyClaimTypes.Login, LatchkeyClaimTypes.Role));
    }

    /// <summary>
    /// The request's caller: the one the handler authenticated when it was ours (kept in the request's items, so
    /// endpoints need not parse claims again), else read from the principal's claims.
    /// </summary>
    public static AuthenticatedCaller ToCaller(HttpContext context) =>
        context.Items.TryGetValue(typeof(AuthenticatedCaller), out var caller) && caller is AuthenticatedCaller known
            ? known
            : ToCaller(context.User);

    /// <summary>Remembers the caller the handler authenticated, for <see cref="ToCaller(HttpContext)"/>.</summary>
    public static void Remember(HttpContext context, AuthenticatedCaller caller) => context.Items[typeof(AuthenticatedCaller)] = caller;

    public static AuthenticatedCaller ToCaller(ClaimsPrincipal principal)
    {
        var sessionId = principal.FindFirstValue(LatchkeyClaimTypes.SessionId);
        return new AuthenticatedCaller(
            Guid.Parse(principal.FindFirstValue(LatchkeyClaimTypes.UserId)!),
            Guid.Parse(principal.FindFirstValue(LatchkeyClaimTypes.TenantId)!),
            principal.FindFirstValue(LatchkeyClaimTypes.Login)!,
            principal.FindFirstValue(LatchkeyClaimTypes.Kind) == "machine" ? UserKind.Machine : UserKind.Human,
            Enum.Parse<TenantRole>(principal.FindFirstValue(LatchkeyClaimTypes.Role)!, ignoreCase: true),
            string.Join(' ', principal.FindAll(LatchkeyClaimTypes.Scope).Select(c => c.Value)),
            sessionId is null ? null : Guid.Parse(sessionId),
            principal.FindFirstValue(LatchkeyClaimTypes.AppId));
    }

    public static string KindName(UserKind kind) => kind == UserKind.Machine ? "machine" : "human";

    public static string RoleName(TenantRole role) => TenantRoles.Name(role);
}
