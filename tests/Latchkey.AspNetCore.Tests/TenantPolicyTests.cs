using System.Net;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// The tenant's own rules (<c>/v1/tenant/policy</c>): stricter than the server's or refused, applied to existing
/// sessions on their next request (reason <c>tenant_policy</c>) on every instance, and held on the paths that create
/// sessions, machine tokens and passwords. On the run's provider (<c>LATCHKEY_TEST_PROVIDER</c>).
/// </summary>
public sealed class TenantPolicyTests
{
    [Fact]
    public async Task LoweringTheIdleTimeoutEndsIdleSessionsOnTheirNextRequestWithReasonTenantPolicy()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Sessions:LastUsedResolution"] = "00:00:01",
        });
        await host.SignupAsync("owner@example.com");
        var owner = await host.LoginAsync("owner@example.com", "owner-app-instance");
        await host.CreateUserAsync(owner, "person@example.com");
        var idle = await host.LoginAsync("person@example.com", "person-laptop");
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: idle)).StatusCode);

        // Note: two hours unused is nothing under the server's seven days; the owner signs in afresh (step-up).
        host.Time.Advance(TimeSpan.FromHours(2));
        owner = await host.LoginAsync("owner@example.com", "owner-app-instance");
        var active = await host.LoginAsync("person@example.com", "person-phone");

        var changed = await host.SendAsync(HttpMethod.Patch, "/v1/tenant/policy", new { sessionIdleTimeoutSeconds = 3600 }, owner);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(3600, (await LatchkeyTestHost.ReadJsonAsync(changed)).GetProperty("sessionIdleTimeoutSeconds").GetInt64());
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: idle), "tenant_policy");
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: active)).StatusCode);
        var entry = (await host.AuditAsync(owner)).First(e => e.GetProperty("event").GetString() == "tenant.policy_changed");
        Assert.Contains("sessionIdleTimeoutSeconds: server's -> 3600", entry.GetProperty("detail").GetString());

        // Note: a session going idle later under the policy simply goes idle.
        host.Time.Advance(TimeSpan.FromMinutes(61));
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: active), "idle");
    }

    [Fact]
    public async Task APolicyLooserThanTheServersIsAProblemNamingTheFieldAndTheMaximumAndOnlyOwnersMayChangeIt()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Sessions:IdleTimeout"] = "1.00:00:00",
        });
        await host.SignupAsync("owner@example.com");
        var owner = await host.LoginAsync("owner@example.com", "owner-app-instance");

        var refused = await host.SendAsync(HttpMethod.Patch, "/v1/tenant/policy", new { sessionIdleTimeoutSeconds = 86401 }, owner);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.BadRequest);
        var message = (await LatchkeyTestHost.ReadJsonAsync(refused)).GetProperty("errors").GetProperty("sessionIdleTimeoutSeconds")[0].GetString();
        Assert.Contains("86400", message);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Patch, "/v1/tenant/policy", new { passwordMinLength = 8 }, owner), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Patch, "/v1/tenant/policy", new { sessionLifetime = 60 }, owner), HttpStatusCode.BadRequest);
        var policy = await host.GetJsonAsync("/v1/tenant/policy", owner);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, policy.GetProperty("sessionIdleTimeoutSeconds").ValueKind);
        Assert.Equal(86400, policy.GetProperty("server").GetProperty("sessionIdleTimeoutSeconds").GetInt64());

        await host.CreateUserAsync(owner, "admin@example.com", "admin");
        var admin = await host.LoginAsync("admin@example.com", "admin-app-instance");
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Patch, "/v1/tenant/policy", new { sessionIdleTimeoutSeconds = 3600 }, admin), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task MachineTokensAndPasswordsAreHeldToThePolicyWhenCreated()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("owner@example.com");
        var owner = await host.LoginAsync("owner@example.com", "owner-app-instance");
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Patch, "/v1/tenant/policy", new
        {
            machineTokenMaxLifetimeSeconds = 3600,
            machineTokenScopes = new[] { "deploy" },
            passwordMinLength = 30,
        }, owner)).StatusCode);

        var tooLong = await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name = "ci", scopes = new[] { "deploy" }, expiresIn = 7200 }, owner);
        await ProblemAssert.IsProblemAsync(tooLong, HttpStatusCode.BadRequest);
        Assert.True((await LatchkeyTestHost.ReadJsonAsync(tooLong)).GetProperty("errors").TryGetProperty("expiresIn", out _));
        var disallowed = await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name = "ci", scopes = new[] { "admin" } }, owner);
        await ProblemAssert.IsProblemAsync(disallowed, HttpStatusCode.BadRequest);
        Assert.True((await LatchkeyTestHost.ReadJsonAsync(disallowed)).GetProperty("errors").TryGetProperty("scopes", out _));

        // Note: a token asked for without an expiry gets the tenant's maximum.
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name = "ci", scopes = new[] { "deploy" } }, owner)).StatusCode);
        var machine = Assert.Single((await host.GetJsonAsync("/v1/machine-users", owner)).EnumerateArray());
        Assert.Equal(host.Time.GetUtcNow().AddHours(1), machine.GetProperty("expiresAt").GetDateTimeOffset());

        // Note: the test password is 28 characters: enough for the server, too short for this tenant.
        var shortPassword = await host.SendAsync(HttpMethod.Post, "/v1/users", new { login = "person@example.com", password = LatchkeyTestHost.Password, roles = new[] { "member" } }, owner);
        await ProblemAssert.IsProblemAsync(shortPassword, HttpStatusCode.BadRequest);
        Assert.Contains("30", (await LatchkeyTestHost.ReadJsonAsync(shortPassword)).GetProperty("errors").GetProperty("password")[0].GetString());
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = LatchkeyTestHost.Password, newPassword = "a different passphrase, long" }, owner), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task APolicyChangedOnOneInstanceEndsASessionTheOtherHasCachedOnItsNextRequest()
    {
        await using var a = await LatchkeyTestHost.StartAsync();
        await using var b = await LatchkeyTestHost.StartAsync(sameDatabaseAs: a);
        await a.SignupAsync("owner@example.com");
        var owner = await a.LoginAsync("owner@example.com", "owner-app-instance");
        var laptop = await a.LoginAsync("owner@example.com", "owner-laptop");
        await CredentialCacheTests.WaitUntilAnsweredFromTheCacheAsync(b, laptop);
        await CredentialCacheTests.WaitUntilAnsweredFromTheCacheAsync(b, owner);

        var changed = await a.SendAsync(HttpMethod.Patch, "/v1/tenant/policy", new { maxAppInstancesPerPerson = 1 }, owner);

        // Note: the bound keeps the most recently used session; which of the two that is depends on when the background
        // last-use writer stored their uses, so the test asks only that exactly one ends, and with the policy's reason.
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var answers = new[] { (owner, await b.SendAsync(HttpMethod.Get, "/v1/me", credential: owner)), (laptop, await b.SendAsync(HttpMethod.Get, "/v1/me", credential: laptop)) };
        await ProblemAssert.HasReasonAsync(Assert.Single(answers, x => x.Item2.StatusCode != HttpStatusCode.OK).Item2, "tenant_policy");
        var kept = Assert.Single(answers, x => x.Item2.StatusCode == HttpStatusCode.OK).Item1;
        Assert.Equal(1, (await b.GetJsonAsync("/v1/tenant/policy", kept)).GetProperty("maxAppInstancesPerPerson").GetInt32());
    }
}
