using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.Core.Jwt;
using Latchkey.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Latchkey.AspNetCore.Tests;

/// <summary>POST /v1/token, the JWKS, the RFC 8414 metadata, key rotation and AddLatchkeyJwtBearer.</summary>
public sealed class JwtTests
{
    private const string Issuer = "https://auth.example.test";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Latchkey:PublicBaseUrl"] = Issuer,
        ["Latchkey:Jwt:Audiences:0"] = "reports",
    };

    [Fact]
    public async Task AnExchangedJwtCarriesTheCallersClaimsAndVerifiesAgainstThePublishedKeys()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Settings);
        var alice = await host.SignupAndLoginAsync();

        var response = await host.SendAsync(HttpMethod.Post, "/v1/token", new { aud = "reports" }, alice);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = await LatchkeyTestHost.ReadJsonAsync(response);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(300, body.GetProperty("expires_in").GetInt64());
        var jwt = new JsonWebToken(body.GetProperty("access_token").GetString());
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal(Issuer, jwt.Issuer);
        Assert.Equal("reports", Assert.Single(jwt.Audiences));
        Assert.Equal("human", jwt.GetClaim("kind").Value);
        Assert.Equal("owner", jwt.GetClaim("roles").Value);
        Assert.Equal(alice.SessionId.ToString(), jwt.GetClaim("sid").Value);
        Assert.Equal(alice.AppId, jwt.GetClaim("azp").Value);
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal(LatchkeyTestHost.Start.UtcDateTime, jwt.IssuedAt);
        Assert.Equal(LatchkeyTestHost.Start.UtcDateTime.AddMinutes(5), jwt.ValidTo);

        var metadata = await LatchkeyTestHost.ReadJsonAsync(await host.Client.GetAsync("/.well-known/oauth-authorization-server"));
        Assert.Equal(Issuer, metadata.GetProperty("issuer").GetString());
        Assert.Equal(Issuer + "/.well-known/jwks.json", metadata.GetProperty("jwks_uri").GetString());
        Assert.Equal(Issuer + "/v1/introspect", metadata.GetProperty("introspection_endpoint").GetString());
        Assert.Equal(Issuer + "/v1/token", metadata.GetProperty("token_endpoint").GetString());

        var keys = await JwksAsync(host);
        Assert.Equal(2, keys.Keys.Count);
        Assert.Contains(keys.Keys, k => k.Kid == jwt.Kid);
        Assert.All(keys.Keys, k => Assert.Null(k.D));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(jwt.EncodedToken, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = "reports",
            IssuerSigningKeys = keys.Keys,
            ValidTypes = ["at+jwt"],
            LifetimeValidator = (_, _, _, _) => true,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task AJwtNeverOutlivesTheSessionItWasExchangedFor()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(Settings)
        {
            ["Latchkey:Sessions:AbsoluteLifetime"] = "00:02:00",
        });
        var alice = await host.SignupAndLoginAsync();
        host.Time.Advance(TimeSpan.FromSeconds(30));

        var body = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Post, "/v1/token", credential: alice));

        Assert.Equal(90, body.GetProperty("expires_in").GetInt64());
        var jwt = new JsonWebToken(body.GetProperty("access_token").GetString());
        Assert.Equal(LatchkeyTestHost.Start.UtcDateTime.AddMinutes(2), jwt.ValidTo);
        Assert.False(jwt.TryGetClaim("aud", out _));
    }

    [Fact]
    public async Task AnUnknownAudienceOrNoCredentialIsRefusedAsAProblem()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Settings);
        var alice = await host.SignupAndLoginAsync();

        var unknown = await host.SendAsync(HttpMethod.Post, "/v1/token", new { aud = "billing" }, alice);
        await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.BadRequest);
        Assert.Equal("invalid_target", (await LatchkeyTestHost.ReadJsonAsync(unknown)).GetProperty("error").GetString());
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/token", new { aud = "reports", extra = 1 }, alice), HttpStatusCode.BadRequest);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Post, "/v1/token"), credentialPresented: false);
    }

    [Fact]
    public async Task RotationHandsSigningToThePublishedSuccessorOnEveryInstanceAndKeepsThePreviousKeyUntilItsTokensExpire()
    {
        await using var first = await LatchkeyTestHost.StartAsync(Settings);
        await using var second = await LatchkeyTestHost.StartAsync(Settings, sameDatabaseAs: first);
        var alice = await first.SignupAndLoginAsync();
        var before = await KidAsync(first, alice);
        Assert.Equal(before, await KidAsync(second, alice));
        var successor = Assert.Single((await JwksAsync(first)).Keys, k => k.Kid != before).Kid;

        await first.App.Services.GetRequiredService<SigningKeyRing>().RotateNowAsync("cli:tests@testhost", CancellationToken.None);

        Assert.Equal(successor, await KidAsync(first, alice));
        second.Time.Advance(SigningKeyRing.RefreshInterval);
        Assert.Equal(successor, await KidAsync(second, alice));
        var published = (await JwksAsync(first)).Keys.Select(k => k.Kid).ToList();
        Assert.Contains(before, published);
        Assert.Contains(successor, published);
        Assert.Equal(3, published.Count);

        // Note: one token lifetime (and the instances' refresh) after the rotation the retired key leaves the JWKS.
        first.Time.Advance(TimeSpan.FromMinutes(5) + SigningKeyRing.RefreshInterval);
        Assert.DoesNotContain(before, (await JwksAsync(first)).Keys.Select(k => k.Kid));

        // Note: a key lifetime later, without an operator, the next successor signs.
        first.Time.Advance(TimeSpan.FromDays(30));
        var alice2 = await first.LoginAsync("alice@example.com", "app-instance-2");
        var later = await KidAsync(first, alice2);
        Assert.NotEqual(successor, later);
        Assert.NotEqual(before, later);
    }

    [Fact]
    public async Task PrivateSigningKeysAreStoredEncryptedWithDataProtection()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Settings);
        var alice = await host.SignupAndLoginAsync();
        await KidAsync(host, alice);

        await using var scope = host.App.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().SigningKeys.AsNoTracking().ToListAsync();
        Assert.Equal(2, stored.Count);
        foreach (var key in stored)
        {
            using var ecdsa = ECDsa.Create();
            Assert.ThrowsAny<CryptographicException>(() => ecdsa.ImportPkcs8PrivateKey(key.ProtectedPrivateKey, out _));
        }
    }

    [Fact]
    public async Task AnEndpointBehindAnotherSchemeOfTheResourceServerAnswersAsThatSchemeSaysNotWithAServerError()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddLatchkeyJwtBearer(Issuer)
            .AddScheme<AuthenticationSchemeOptions, HeaderSchemeHandler>(HeaderSchemeHandler.Name, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(HeaderSchemeHandler.Name, p => p
            .AddAuthenticationSchemes(HeaderSchemeHandler.Name).RequireAuthenticatedUser());
        await using var resource = builder.Build();
        resource.MapGet("/mine", () => "ok").RequireAuthorization(HeaderSchemeHandler.Name);
        await resource.StartAsync();

        // Note: the host's own scheme: a principal with none of Latchkey's claims, which the Latchkey
        // authorization result handler (MFA enrolment gate) once parsed as its own and failed on with a 500.
        var response = await resource.GetTestClient().GetAsync("/mine");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A host's own scheme: authenticates every request as a user of its own, with none of Latchkey's claims.</summary>
    private sealed class HeaderSchemeHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "host-own";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "someone")], Name)), Name)));
    }

    [Fact]
    public async Task AResourceServerWithAddLatchkeyJwtBearerAcceptsLatchkeyJwtsAndRequireScopeWorksTheSame()
    {
        await using var latchkey = await LatchkeyTestHost.StartAsync(Settings);

        // Note: the resource server's validation reads the real clock; the authority's clock is moved to it.
        latchkey.Time.SetUtcNow(DateTimeOffset.UtcNow);
        var alice = await latchkey.SignupAndLoginAsync();
        var (_, reporter) = await latchkey.CreateMachineUserAsync(alice, "reporter", "reports:read");
        var (_, other) = await latchkey.CreateMachineUserAsync(alice, "other", "other");

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddLatchkeyJwtBearer(Issuer, "reports", o =>
        {
            o.BackchannelHttpHandler = latchkey.App.GetTestServer().CreateHandler();
        });
        builder.Services.AddAuthorization();
        await using var resource = builder.Build();
        resource.UseAuthentication();
        resource.UseAuthorization();
        resource.MapGet("/reports", (HttpContext c) => string.Join(",",
            c.User.FindFirst(LatchkeyClaimTypes.UserId)?.Value, c.User.FindFirst(LatchkeyClaimTypes.TenantId)?.Value,
            c.User.FindFirst(LatchkeyClaimTypes.Kind)?.Value, c.User.IsInRole("member"))).RequireScope("reports:read");
        await resource.StartAsync();
        var client = resource.GetTestClient();

        async Task<HttpResponseMessage> GetAsync(string? token)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/reports");
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return await client.SendAsync(request);
        }

        var token = await JwtAsync(latchkey, reporter, "reports");
        var ok = await GetAsync(token);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var parts = (await ok.Content.ReadAsStringAsync()).Split(',');
        Assert.Equal("machine", parts[2]);
        Assert.Equal("True", parts[3]);
        Assert.Equal(36, parts[1].Length);

        var forbidden = await GetAsync(await JwtAsync(latchkey, other, "reports"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("error=\"insufficient_scope\", scope=\"reports:read\"", Assert.Single(forbidden.Headers.WwwAuthenticate).Parameter);

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(await JwtAsync(latchkey, reporter, null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(Tamper(token))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(reporter.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(null)).StatusCode);
    }

    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(parts[1])).RootElement;
        var changed = JsonSerializer.Serialize(payload).Replace("\"machine\"", "\"human\"");
        return parts[0] + "." + Base64UrlEncoder.Encode(changed) + "." + parts[2];
    }

    private static async Task<string> JwtAsync(LatchkeyTestHost host, Credential credential, string? aud)
    {
        var response = await host.SendAsync(HttpMethod.Post, "/v1/token", aud is null ? null : new { aud }, credential);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await LatchkeyTestHost.ReadJsonAsync(response)).GetProperty("access_token").GetString()!;
    }

    private static async Task<string> KidAsync(LatchkeyTestHost host, Credential credential) =>
        new JsonWebToken(await JwtAsync(host, credential, null)).Kid;

    private static async Task<JsonWebKeySet> JwksAsync(LatchkeyTestHost host)
    {
        var response = await host.Client.GetAsync("/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new JsonWebKeySet(await response.Content.ReadAsStringAsync());
    }
}
