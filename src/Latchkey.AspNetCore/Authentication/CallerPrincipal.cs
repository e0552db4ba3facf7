using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Latchkey.Core.Model;
using Latchkey.Core.Services;

namespace Latchkey.AspNetCore.Authentication;

/// <summary>Maps between the caller Core established and the claims principal ASP.NET Core carries.</summary>
internal static class CallerPrincipal
{
    /// <summary>
    /// The principal of <paramref name="caller"/>. Its claims (<c>sub</c>, <c>tenant_id</c>, <c>login</c>, <c>kind</c>,
    /// <c>role</c>, <c>scope</c>…, <c>sid</c>, <c>app_id</c>) are made when something first reads them: this runs on
    /// every authenticated request, and an endpoint that only requires an authenticated user never does.
    /// </summary>
    public static ClaimsPrincipal ToPrincipal(AuthenticatedCaller caller, string scheme) => new(new CallerIdentity(caller, scheme));

    /// <summary>
    /// The request's caller: the one the handler authenticated when the principal is still ours (so endpoints need not
    /// parse claims again), else read from the principal's claims.
    /// </summary>
    public static AuthenticatedCaller ToCaller(HttpContext context) =>
        context.User.Identity is CallerIdentity { Caller: var known } ? known : ToCaller(context.User);

    /// <summary>
    /// The caller the Latchkey scheme authenticated on this request; null for another scheme's principal (a JwtBearer
    /// token, the host's own cookie or test scheme), which carries none of a session's state (such as enrolment-only).
    /// </summary>
    public static AuthenticatedCaller? AuthenticatedByLatchkey(HttpContext context) =>
        context.User.Identity is CallerIdentity { Caller: var known } ? known : null;

    /// <summary>
    /// The identity the handler makes: it carries the caller it was made from, and adds the caller's claims to itself
    /// the first time anything reads, adds, removes, copies or writes claims. Every claim-reading member of
    /// <see cref="ClaimsIdentity"/> goes through <see cref="Claims"/>, so overriding it and the writers is enough.
    /// </summary>
    private sealed class CallerIdentity(AuthenticatedCaller caller, string scheme)
        : ClaimsIdentity(scheme, LatchkeyClaimTypes.Login, LatchkeyClaimTypes.Role)
    {
        private bool _made;

        public AuthenticatedCaller Caller { get; } = caller;

        public override IEnumerable<Claim> Claims => Made().BaseClaims;

        private IEnumerable<Claim> BaseClaims => base.Claims;

        public override void AddClaim(Claim claim) => Made().AddOwnClaim(claim);

        public override void AddClaims(IEnumerable<Claim?> claims)
        {
            Made();
            base.AddClaims(claims);
        }

        public override bool TryRemoveClaim(Claim? claim) => Made().TryRemoveOwnClaim(claim);

        public override void RemoveClaim(Claim? claim)
        {
            Made();
            base.RemoveClaim(claim);
        }

        public override ClaimsIdentity Clone() => Made().CloneOwn();

        public override void WriteTo(BinaryWriter writer)
        {
            Made();
            base.WriteTo(writer);
        }

        private void AddOwnClaim(Claim claim) => base.AddClaim(claim);

        private bool TryRemoveOwnClaim(Claim? claim) => base.TryRemoveClaim(claim);

        private ClaimsIdentity CloneOwn() => base.Clone();

        private CallerIdentity Made()
        {
            if (_made)
            {
                return this;
            }

            // Note: made with this identity as their subject and added one by one: handed to a constructor instead,
            // each would be cloned.
            _made = true;
            Add(LatchkeyClaimTypes.UserId, Caller.UserIdText);
            Add(LatchkeyClaimTypes.TenantId, Caller.TenantIdText);
            Add(LatchkeyClaimTypes.Login, Caller.Login);
            Add(LatchkeyClaimTypes.Kind, KindName(Caller.Kind));
            Add(LatchkeyClaimTypes.Role, RoleName(Caller.Role));
            foreach (var scope in Caller.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                Add(LatchkeyClaimTypes.Scope, scope);
            }

            if (Caller.SessionIdText is { } sessionId)
            {
                Add(LatchkeyClaimTypes.SessionId, sessionId);
                Add(LatchkeyClaimTypes.AppId, Caller.AppId!);
            }

            return this;
        }

        private void Add(string type, string value) =>
            base.AddClaim(new Claim(type, value, ClaimValueTypes.String, DefaultIssuer, DefaultIssuer, this));
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
