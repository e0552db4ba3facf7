using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EmbeddingHost;

/// <summary>
/// Succeeds for every request without reading it, with one principal built once: what remains of an authenticated
/// request's cost is ASP.NET Core's authentication and authorization middleware, the floor Latchkey is compared with.
/// </summary>
internal sealed class NoopAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "noop";

    private static readonly Task<AuthenticateResult> Success = Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(
        new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "noop")], SchemeName)), SchemeName)));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Success;
}
