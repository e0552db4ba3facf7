using System.Net;
using System.Text;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

/// <summary>POST /v1/introspect (RFC 7662): a machine token with latchkey:introspect asks about another credential.</summary>
public sealed class IntrospectionTests
{
    private const string Scope = "latchkey:introspect";

    [Fact]
    public async Task ALiveKeyIntrospectsAsActiveWithItsOwnersClaimsAndNoStore()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (tenantId, ownerId) = await host.SignupAsync("alice@example.com");
        var alice = await host.LoginAsync("alice@example.com", "app-instance-1");
        var (_, service) = await host.CreateMachineUserAsync(alice, "resource-server", Scope);

        var response = await IntrospectAsync(host, service, ("token", alice.Token), ("app_id", "app-instance-1"), ("token_type_hint", "access_token"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = await LatchkeyTestHost.ReadJsonAsync(response);
        Assert.True(body.GetProperty("active").GetBoolean());
        Assert.Equal(ownerId.ToString(), body.GetProperty("sub").GetString());
        Assert.Equal(tenantId.ToString(), body.GetProperty("tenant_id").GetString());
        Assert.Equal("human", body.GetProperty("kind").GetString());
        Assert.Equal("owner", Assert.Single(body.GetProperty("roles").EnumerateArray()).GetString());
        Assert.Equal("app-instance-1", body.GetProperty("client_id").GetString());
        Assert.Equal(alice.SessionId.ToString(), body.GetProperty("sid").GetString());
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(LatchkeyTestHost.Start.ToUnixTimeSeconds(), body.GetProperty("iat").GetInt64());
        Assert.True(body.GetProperty("exp").GetInt64() > body.GetProperty("iat").GetInt64());
        Assert.Equal("pwd", Assert.Single(body.GetProperty("amr").EnumerateArray()).GetString());
        Assert.Equal(LatchkeyTestHost.Start.ToUnixTimeSeconds(), body.GetProperty("auth_time").GetInt64());

        var machine = await LatchkeyTestHost.ReadJsonAsync(await IntrospectAsync(host, service, ("token", service.Token)));
        Assert.True(machine.GetProperty("active").GetBoolean());
        Assert.Equal("machine", machine.GetProperty("kind").GetString());
        Assert.Equal(Scope, machine.GetProperty("scope").GetString());
        Assert.False(machine.TryGetProperty("exp", out _));
    }

    [Fact]
    public async Task EveryDeadOrInvisibleTokenAnswersExactlyActiveFalseAndARevokedSessionAtOnce()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync();
        var (_, service) = await host.CreateMachineUserAsync(alice, "resource-server", Scope);
        var (_, _, otherOwner) = await host.CreateTenantAsync("bob@example.com", "Other");
        var bobKey = otherOwner.Token;

        // Note: warm the cache, so that the revocation below must evict it rather than miss it.
        Assert.True((await LatchkeyTestHost.ReadJsonAsync(await IntrospectAsync(host, service, ("token", alice.Token), ("app_id", alice.AppId!))))
            .GetProperty("active").GetBoolean());

        (string, string)[][] dead =
        [
            [("token", alice.Token)],
            [("token", alice.Token), ("app_id", "another-app-instance")],
            [("token", alice.Token), ("app_id", "bad id")],
            [("token", "lk_key_" + new string('a', 90)), ("app_id", alice.AppId!)],
            [("token", "not a token at all")],
            [("token", bobKey), ("app_id", otherOwner.AppId!)],
        ];
        foreach (var fields in dead)
        {
            await AssertInactiveAsync(await IntrospectAsync(host, service, fields));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, "/v1/sessions/current", credential: alice)).StatusCode);
        await AssertInactiveAsync(await IntrospectAsync(host, service, ("token", alice.Token), ("app_id", alice.AppId!)));
    }

    [Fact]
    public async Task OnlyAMachineUserAnOperatorGrantedEveryTenantSeesAnotherTenantsKeyAsActiveUntilWithdrawn()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (tenantId, _) = await host.SignupAsync("alice@example.com");
        var alice = await host.LoginAsync("alice@example.com", "app-instance-1");
        var (gatewayId, gateway) = await host.CreateMachineUserAsync(alice, "gateway", Scope);
        var (_, peer) = await host.CreateMachineUserAsync(alice, "peer", Scope);
        var (otherTenantId, _, bob) = await host.CreateTenantAsync("bob@example.com", "Other");
        (string, string)[] bobsKey = [("token", bob.Token), ("app_id", bob.AppId!)];

        // Note: the default: another tenant's live key is as inactive as a dead one, and it warms the gateway's cache.
        await AssertInactiveAsync(await IntrospectAsync(host, gateway, bobsKey));
        await SetReachAsync(host, tenantId, gatewayId, IntrospectionReach.AllTenants);
        var granted = await LatchkeyTestHost.ReadJsonAsync(await IntrospectAsync(host, gateway, bobsKey));
        var byPeer = await IntrospectAsync(host, peer, bobsKey);
        await SetReachAsync(host, tenantId, gatewayId, IntrospectionReach.OwnTenant);
        var withdrawn = await IntrospectAsync(host, gateway, bobsKey);

        Assert.True(granted.GetProperty("active").GetBoolean());
        Assert.Equal(otherTenantId.ToString(), granted.GetProperty("tenant_id").GetString());
        await AssertInactiveAsync(byPeer);
        await AssertInactiveAsync(withdrawn);
        Assert.True((await LatchkeyTestHost.ReadJsonAsync(await IntrospectAsync(host, gateway, ("token", alice.Token), ("app_id", alice.AppId!))))
            .GetProperty("active").GetBoolean());
    }

    // Note: what `latchkey machine-user grant-introspection|revoke-introspection` calls (its own tests cover the verb).
    private static async Task SetReachAsync(LatchkeyTestHost host, Guid tenantId, Guid machineUserId, IntrospectionReach reach)
    {
        await using var scope = host.App.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(tenantId);
        var changed = await scope.ServiceProvider.GetRequiredService<MachineUserService>().SetIntrospectionAsync(
            AuthenticatedCaller.ForOperator(tenantId, "cli:tests@testhost"), machineUserId, reach, CancellationToken.None);
        Assert.NotNull(changed);
    }

    [Fact]
    public async Task IntrospectionNeedsAMachineTokenHoldingTheIntrospectScope()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync();
        var (_, unscoped) = await host.CreateMachineUserAsync(alice, "no-scope", "reports:read");

        await ProblemAssert.IsUnauthorizedAsync(await IntrospectAsync(host, null, ("token", alice.Token)), credentialPresented: false);

        var forbidden = await IntrospectAsync(host, unscoped, ("token", alice.Token));
        await ProblemAssert.IsProblemAsync(forbidden, HttpStatusCode.Forbidden);
        Assert.Equal("error=\"insufficient_scope\", scope=\"latchkey:introspect\"", Assert.Single(forbidden.Headers.WwwAuthenticate).Parameter);

        var reserved = await host.SendAsync(HttpMethod.Post, "/v1/machine-users",
            new { name = "peeker", scopes = new[] { "latchkey:introspect:all-tenants" } }, alice);
        await ProblemAssert.IsProblemAsync(reserved, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task BadIntrospectionRequestsAreProblemsNeverServerErrorsAndNoTokenIsLogged()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync();
        var (_, service) = await host.CreateMachineUserAsync(alice, "resource-server", Scope);

        var json = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect")
        {
            Content = new StringContent($"{{\"token\":\"{alice.Token}\"}}", Encoding.UTF8, "application/json"),
        };
        service.Apply(json);
        await ProblemAssert.IsProblemAsync(await host.Client.SendAsync(json), HttpStatusCode.UnsupportedMediaType);

        await ProblemAssert.IsProblemAsync(await IntrospectAsync(host, service, ("token", alice.Token), ("token", alice.Token)), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await IntrospectAsync(host, service, ("app_id", alice.AppId!)), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await IntrospectAsync(host, service, ("token", new string('x', 1024 * 1024))), HttpStatusCode.RequestEntityTooLarge);

        var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect")
        {
            Content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("token=" + new string('x', 1024 * 1024)))),
        };
        chunked.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        service.Apply(chunked);
        await ProblemAssert.IsProblemAsync(await host.Client.SendAsync(chunked), HttpStatusCode.RequestEntityTooLarge);

        var logText = string.Join("\n", host.Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception));
        Assert.DoesNotContain(alice.Token, logText);
        Assert.DoesNotContain(service.Token, logText);
    }

    [Fact]
    public async Task ACallerPastItsIntrospectionAllowanceGetsTooManyRequests()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?> { ["Latchkey:Introspection:RequestsPerSecond"] = "2" });
        var alice = await host.SignupAndLoginAsync();
        var (_, service) = await host.CreateMachineUserAsync(alice, "resource-server", Scope);

        // Note: the allowance refills with the real clock (2 a second), so the requests go at once: one after the other
        // on a loaded machine, five of them could take long enough for the bucket to refill between them.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            IntrospectAsync(host, service, ("token", alice.Token), ("app_id", alice.AppId!))));

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var throttled = responses.First(r => r.StatusCode != HttpStatusCode.OK);
        await ProblemAssert.IsProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.NotNull(throttled.Headers.RetryAfter);
    }

    internal static Task<HttpResponseMessage> IntrospectAsync(LatchkeyTestHost host, Credential? caller, params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect")
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        caller?.Apply(request);
        return host.Client.SendAsync(request);
    }

    private static async Task AssertInactiveAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("{\"active\":false}", await response.Content.ReadAsStringAsync());
    }
}
