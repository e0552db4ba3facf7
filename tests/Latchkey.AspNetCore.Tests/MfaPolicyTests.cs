using System.Net;

namespace Latchkey.AspNetCore.Tests;

public sealed class MfaPolicyTests
{
    [Fact]
    public async Task APersonOfAPolicyRoleWithoutAFactorGetsASessionThatCanOnlyEnrolOne()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@example.com");
        await host.CreateUserAsync(owner, "member@example.com");

        var changed = await host.SendAsync(HttpMethod.Patch, "/v1/tenant", new { mfaRequiredFor = new[] { "member", "admin" } }, owner);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(["admin", "member"], SecondFactors.Strings((await LatchkeyTestHost.ReadJsonAsync(changed)).GetProperty("mfaRequiredFor")));
        Assert.Equal(["admin", "member"], SecondFactors.Strings((await host.GetJsonAsync("/v1/tenant", owner)).GetProperty("mfaRequiredFor")));
        Assert.Contains(await host.AuditAsync(owner), e => e.GetProperty("event").GetString() == "tenant.mfa_policy_changed");

        var member = await host.LoginAsync("member@example.com", "member-app-01");
        var refused = await host.SendAsync(HttpMethod.Get, "/v1/sessions", credential: member);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden);
        Assert.Equal("mfaRequiredFor", (await LatchkeyTestHost.ReadJsonAsync(refused)).GetProperty("policy").GetString());
        await host.GetJsonAsync("/v1/me", member);

        // Note: the owner's role is not in the policy: nothing changes for them.
        await host.GetJsonAsync("/v1/sessions", owner);

        await SecondFactors.EnrolAsync(host, member);
        await host.GetJsonAsync("/v1/sessions", member);
    }

    [Fact]
    public async Task OnlyAnOwnerChangesThePolicyAndOnlyToKnownRoles()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@example.com");
        await host.CreateUserAsync(owner, "admin@example.com", "admin");
        var admin = await host.LoginAsync("admin@example.com", "admin-app-001");

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Patch, "/v1/tenant", new { mfaRequiredFor = new[] { "auditor" } }, owner),
            HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Patch, "/v1/tenant", new { mfaRequiredFor = new[] { "owner" } }, admin),
            HttpStatusCode.Forbidden);
        Assert.Empty(SecondFactors.Strings((await host.GetJsonAsync("/v1/tenant", owner)).GetProperty("mfaRequiredFor")));
    }
}
