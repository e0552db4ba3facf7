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
        // Note: claims are made with the identity as their subject and added one by one: handed to the constructor
        // instead, each would be cloned. This runs on every authenticated request.
        var identity = new CallerIdentity(caller, scheme);
        Add(identity, LatchkeyClaimTypes.UserId, caller.UserIdText);
        Add(identity, LatchkeyClaimTypes.TenantId, caller.TenantIdText);
        Add(identity, LatchkeyClaimTypes.Login, caller.Login);
        Add(identity, LatchkeyClaimTypes.Kind, KindName(caller.Kind));
        Add(identity, LatchkeyClaimTypes.Role, RoleName(caller.Role));
        if (caller.Scopes.Length > 0)
        {
            foreach (var scope in caller.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                Add(identity, LatchkeyClaimTypes.Scope, scope);
            }
        }

        if (caller.SessionIdText is { } sessionId)
        {
            Add(identity, LatchkeyClaimTypes.SessionId, sessionId);
            Add(identity, LatchkeyClaimTypes.AppId, caller.AppId!);
        }

        return new ClaimsPrincipal(identity);
    }

    private static void Add(ClaimsIdentity identity, string type, string value) =>
        identity.AddClaim(new Claim(type, value, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));

    /// <summary>
    /// The request's caller: the one the handler authenticated when the principal is still ours (so endpoints need not
    /// parse claims again), else read from the principal's claims.
    /// </summary>
    public static AuthenticatedCaller ToCaller(HttpContext context) =>
        context.User.Identity is CallerIdentity { Caller: var known } ? known : ToCaller(context.User);

    /// <summary>The identity the handler makes, carrying the caller it was made from.</summary>
    private sealed class CallerIdentity(AuthenticatedCaller caller, string scheme)
        : ClaimsIdentity(scheme, LatchkeyClaimTypes.Login, LatchkeyClaimTypes.Role)
    {
        public AuthenticatedCaller Caller { get; } = caller;
    }

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
