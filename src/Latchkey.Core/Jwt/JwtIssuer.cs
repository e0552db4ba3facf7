using Latchkey.Core.Diagnostics;
using Latchkey.Core.Email;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Latchkey.Core.Jwt;

/// <summary>
/// Exchanges a live credential for a short-lived JWT access token (RFC 9068: <c>typ: at+jwt</c>), signed with the key
/// the database names (<see cref="SigningKeyRing"/>). A resource server verifies it against the JWKS without calling
/// Latchkey; in exchange it cannot learn of a revocation before the token expires (docs/security.md).
/// </summary>
internal sealed class JwtIssuer(
    SigningKeyRing keys, TimeProvider time, LatchkeyMetrics metrics,
    IOptions<LatchkeyJwtOptions> options, IOptions<LatchkeyEmailOptions> site)
{
    public const string TokenType = "at+jwt";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly LatchkeyJwtOptions _options = options.Value;

    /// <summary>The <c>iss</c> of every token: <c>Latchkey:PublicBaseUrl</c> without a trailing slash; null when unset.</summary>
    public string? Issuer { get; } = site.Value.PublicBaseUrl?.TrimEnd('/');

    /// <summary>Whether <paramref name="audience"/> may be asked for (null: no audience, always allowed).</summary>
    public bool AllowsAudience(string? audience) =>
        audience is null || _options.Audiences.Contains(audience, StringComparer.Ordinal);

    /// <summary>A JWT for <paramref name="caller"/>; check <see cref="Issuer"/> and <see cref="AllowsAudience"/> first.</summary>
    public async ValueTask<(string Token, TimeSpan ExpiresIn)> IssueAsync(AuthenticatedCaller caller, string? audience, CancellationToken cancellationToken)
    {
        var set = await keys.GetAsync(cancellationToken);
        var now = time.GetUtcNow();

        // Note: never past the credential's own expiry: the JWT must not outlive what it was exchanged for. JWT
        // times are whole seconds, so the expiry is rounded down.
        var expires = now + _options.Lifetime;
        if (caller.ExpiresAt is { } credentialExpiry && credentialExpiry < expires)
        {
            expires = credentialExpiry;
        }

        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        expires = DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds());
        var claims = new Dictionary<string, object>(10, StringComparer.Ordinal)
        {
            [JwtRegisteredClaimNames.Sub] = caller.UserIdText,
            ["tid"] = caller.TenantIdText,
            ["kind"] = caller.Kind == UserKind.Machine ? "machine" : "human",
            ["roles"] = new[] { TenantRoles.Name(caller.Role) },
            ["scope"] = caller.Scopes,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (caller.SessionIdText is { } sessionId)
        {
            claims["sid"] = sessionId;
            claims[JwtRegisteredClaimNames.Azp] = caller.AppId!;
            claims["client_id"] = caller.AppId!;
            if (caller.AuthTime is { } authTime)
            {
                claims[JwtRegisteredClaimNames.AuthTime] = authTime.ToUnixTimeSeconds();
            }

            claims[JwtRegisteredClaimNames.Amr] = AuthenticationMethods.Parse(caller.Amr).ToArray();
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            SigningCredentials = set.Credentials,
            TokenType = TokenType,
        });
        metrics.JwtIssued();
        return (token, expires - issuedAt);
    }
}
