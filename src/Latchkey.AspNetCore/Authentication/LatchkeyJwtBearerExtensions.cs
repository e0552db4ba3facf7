using System.Net;
using System.Security.Claims;
using Latchkey.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;

namespace Latchkey.AspNetCore.Authentication;

/// <summary>
/// For .NET resource servers that do not share Latchkey's database: verify the JWTs of <c>POST /v1/token</c> locally,
/// against the JWKS that the authority's RFC 8414 metadata names.
/// </summary>
public static class LatchkeyJwtBearerExtensions
{
    /// <summary>
    /// Adds ASP.NET Core's <c>JwtBearer</c> handler as the default scheme (<see cref="LatchkeyDefaults.JwtBearerScheme"/>),
    /// configured for Latchkey's tokens issued by <paramref name="authority"/> (its <c>Latchkey:PublicBaseUrl</c>): keys
    /// from <c>{authority}/.well-known/oauth-authorization-server</c>, <c>iss</c> equal to the authority, <c>typ: at+jwt</c>,
    /// ES256 only, and <paramref name="audience"/> when given (see remarks).
    /// The principal's claims are mapped like the Latchkey scheme's (<c>sub</c>, <c>tenant_id</c>, <c>kind</c>,
    /// <c>role</c>, <c>scope</c>, <c>sid</c>, <c>app_id</c>), so <c>RequireScope</c> and role checks work the same.
    /// </summary>
    /// <remarks>
    /// Without <paramref name="audience"/> the audience is not checked; give one (and list it in the authority's
    /// <c>Latchkey:Jwt:Audiences</c>) so that a token meant for another service is refused here. A JWT cannot be
    /// revoked: it stays valid until it expires (<c>Latchkey:Jwt:Lifetime</c>, 5 minutes by default); for certainty ask
    /// introspection. Plain <c>http</c> is allowed for a loopback authority only, unless <paramref name="configure"/>
    /// clears <c>RequireHttpsMetadata</c>.
    /// </remarks>
    public static AuthenticationBuilder AddLatchkeyJwtBearer(this IServiceCollection services, string authority,
        string? audience = null, Action<JwtBearerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(authority);
        if (!Uri.TryCreate(authority, UriKind.Absolute, out var authorityUri) || authorityUri.Scheme is not ("https" or "http"))
        {
            throw new ArgumentException("The authority must be Latchkey's absolute http(s) base URL (its Latchkey:PublicBaseUrl).", nameof(authority));
        }

        var issuer = authority.TrimEnd('/');
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, ScopeAuthorizationHandler>());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, InsufficientScopeResultHandler>();
        services.AddProblemDetails();
        var builder = services.AddAuthentication(LatchkeyDefaults.JwtBearerScheme);
        builder.AddJwtBearer(LatchkeyDefaults.JwtBearerScheme, options =>
        {
            options.Authority = issuer;
            options.MetadataAddress = issuer + "/.well-known/oauth-authorization-server";
            options.RequireHttpsMetadata = authorityUri.Scheme == "https" || !IsLoopback(authorityUri);
            options.MapInboundClaims = false;

            // Note: an unknown kid makes the handler fetch the JWKS again, at most this often: after an emergency
            // rotation the new key is known within this; in the normal case it was published a key lifetime early.
            options.RefreshInterval = TimeSpan.FromSeconds(30);
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = issuer,
                ValidateAudience = audience is not null,
                ValidAudience = audience,
                ValidTypes = ["at+jwt"],
                ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                RequireExpirationTime = true,
                RequireSignedTokens = true,

                // Note: the default five minutes would double a five-minute token's life after a revocation.
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = LatchkeyClaimTypes.UserId,
                RoleClaimType = LatchkeyClaimTypes.Role,
            };
            configure?.Invoke(options);
        });
        services.PostConfigure<JwtBearerOptions>(LatchkeyDefaults.JwtBearerScheme, options =>
        {
            options.Events ??= new JwtBearerEvents();
            var inner = options.Events.OnTokenValidated;
            options.Events.OnTokenValidated = context =>
            {
                MapClaims(context.Principal);
                return inner(context);
            };
        });
        return builder;
    }

    /// <summary>Adds the Latchkey scheme's claim names beside the JWT's own (<c>tid</c>, <c>roles</c>, <c>azp</c>).</summary>
    private static void MapClaims(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not ClaimsIdentity identity)
        {
            return;
        }

        void Copy(string from, string to)
        {
            foreach (var claim in identity.FindAll(from).ToList())
            {
                identity.AddClaim(new Claim(to, claim.Value, ClaimValueTypes.String, claim.Issuer));
            }
        }

        Copy("tid", LatchkeyClaimTypes.TenantId);
        Copy("roles", LatchkeyClaimTypes.Role);
        Copy("azp", LatchkeyClaimTypes.AppId);
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}
