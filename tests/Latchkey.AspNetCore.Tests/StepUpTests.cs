using System.Net;

namespace Latchkey.AspNetCore.Tests;

public sealed class StepUpTests
{
    private const string Owner = "owner@example.com";

    /// <summary>What a sensitive endpoint needs: an owner with an authenticator, a member, a machine user.</summary>
    private sealed record Tenant(LatchkeyTestHost Host, Credential Owner, string Secret, Guid MemberId, Guid MachineId);

    private sealed record Sensitive(HttpMethod Method, Func<Tenant, string> Path, Func<Tenant, object?> Body, HttpStatusCode Success);

    // Note: every action the issue names as sensitive that the API offers; a body is made when it is sent, so a code
    // in it is of the clock's step then.
    private static readonly Dictionary<string, Sensitive> Endpoints = new()
    {
        ["change password"] = new(HttpMethod.Put, _ => "/v1/me/password",
            _ => new { currentPassword = LatchkeyTestHost.Password, newPassword = "a different passphrase entirely" }, HttpStatusCode.NoContent),
        ["change the e-mail address"] = new(HttpMethod.Put, _ => "/v1/me/email",
            _ => new { email = "owner.new@example.com", password = LatchkeyTestHost.Password }, HttpStatusCode.Accepted),
        ["start TOTP enrolment"] = new(HttpMethod.Post, _ => "/v1/me/mfa/totp", _ => new { password = LatchkeyTestHost.Password }, HttpStatusCode.Conflict),
        ["remove TOTP"] = new(HttpMethod.Delete, _ => "/v1/me/mfa/totp",
            t => new { password = LatchkeyTestHost.Password, code = SecondFactors.Code(t.Host, t.Secret) }, HttpStatusCode.NoContent),
        ["replace recovery codes"] = new(HttpMethod.Post, _ => "/v1/me/mfa/recovery-codes",
            t => new { code = SecondFactors.Code(t.Host, t.Secret) }, HttpStatusCode.OK),
        ["reset a person's factors"] = new(HttpMethod.Delete, t => $"/v1/users/{t.MemberId}/mfa", _ => null, HttpStatusCode.NoContent),
        ["create a machine token"] = new(HttpMethod.Post, _ => "/v1/machine-users", _ => new { name = "deploy", scopes = new[] { "x" } }, HttpStatusCode.Created),
        ["rotate a machine token"] = new(HttpMethod.Post, t => $"/v1/machine-users/{t.MachineId}/token", _ => null, HttpStatusCode.Created),
        ["change a role"] = new(HttpMethod.Patch, t => $"/v1/users/{t.MemberId}", _ => new { roles = new[] { "admin" } }, HttpStatusCode.NoContent),
        ["disable a person"] = new(HttpMethod.Patch, t => $"/v1/users/{t.MemberId}", _ => new { disabled = true }, HttpStatusCode.NoContent),
        ["delete a person"] = new(HttpMethod.Delete, t => $"/v1/users/{t.MemberId}", _ => null, HttpStatusCode.NoContent),
        ["change the tenant's MFA policy"] = new(HttpMethod.Patch, _ => "/v1/tenant", _ => new { mfaRequiredFor = new[] { "owner" } }, HttpStatusCode.OK),
    };

    public static TheoryData<string> SensitiveEndpoints() => [.. Endpoints.Keys];

    [Theory]
    [MemberData(nameof(SensitiveEndpoints))]
    public async Task ASensitiveActionAsksForARecentAuthenticationAndSucceedsAfterReauthenticating(string action)
    {
        var endpoint = Endpoints[action];
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var tenant = await SetUpAsync(host);

        host.Time.Advance(TimeSpan.FromMinutes(11));
        var challenged = await Send(endpoint, tenant);
        await ProblemAssert.IsProblemAsync(challenged, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer error=\"insufficient_user_authentication\", max_age=600", challenged.Headers.WwwAuthenticate.ToString());
        Assert.Equal("insufficient_user_authentication", (await LatchkeyTestHost.ReadJsonAsync(challenged)).GetProperty("error").GetString());

        var reauthenticated = await host.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate",
            new { password = LatchkeyTestHost.Password, code = SecondFactors.Code(host, tenant.Secret) }, tenant.Owner);
        Assert.Equal(HttpStatusCode.NoContent, reauthenticated.StatusCode);

        // Note: a step later, so that a code in the body is not the one re-authentication used up.
        host.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(endpoint.Success, (await Send(endpoint, tenant)).StatusCode);
    }

    [Fact]
    public async Task AFreshLoginNeedsNoReauthenticationAndMaxAgeIsConfigurable()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?> { ["Latchkey:StepUp:MaxAge"] = "00:02:00" });
        var owner = await host.SignupAndLoginAsync(Owner);
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name = "a", scopes = new[] { "x" } }, owner)).StatusCode);

        host.Time.Advance(TimeSpan.FromMinutes(3));
        var challenged = await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name = "b", scopes = new[] { "x" } }, owner);
        Assert.Equal("Bearer error=\"insufficient_user_authentication\", max_age=120", challenged.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task ReauthenticationRefreshesTheCurrentSessionOnlyAndNeedsTheRightPassword()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var first = await host.SignupAndLoginAsync(Owner);
        var second = await host.LoginAsync(Owner, "app-instance-2");
        host.Time.Advance(TimeSpan.FromMinutes(11));

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate",
            new { password = "not the right passphrase" }, first), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate",
            new { password = LatchkeyTestHost.Password }, first)).StatusCode);

        Assert.Equal(host.Time.GetUtcNow(), (await host.GetJsonAsync("/v1/me", first)).GetProperty("authTime").GetDateTimeOffset());
        Assert.Equal(LatchkeyTestHost.Start, (await host.GetJsonAsync("/v1/me", second)).GetProperty("authTime").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name = "a", scopes = new[] { "x" } }, first)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name = "b", scopes = new[] { "x" } }, second)).StatusCode);
    }

    [Fact]
    public async Task ReauthenticationOfAPersonWithASecondFactorNeedsACode()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync(Owner);
        var (secret, _) = await SecondFactors.EnrolAsync(host, owner);

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate",
            new { password = LatchkeyTestHost.Password }, owner), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate",
            new { password = LatchkeyTestHost.Password, code = SecondFactors.Code(host, secret) }, owner)).StatusCode);
        Assert.Equal(["pwd", "otp"], SecondFactors.Strings((await host.GetJsonAsync("/v1/me", owner)).GetProperty("amr")));
    }

    [Fact]
    public async Task AMachineTokenIsNotAskedToReauthenticate()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync(Owner);
        var (_, token) = await host.CreateMachineUserAsync(owner, "ci", "x");
        host.Time.Advance(TimeSpan.FromHours(1));

        // Note: a step-up endpoint of the integrator's own, reached with a machine token long after any login.
        var response = await host.SendAsync(HttpMethod.Get, "/integrator/step-up", credential: token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static Task<HttpResponseMessage> Send(Sensitive endpoint, Tenant tenant) =>
        tenant.Host.SendAsync(endpoint.Method, endpoint.Path(tenant), endpoint.Body(tenant), tenant.Owner);

    private static async Task<Tenant> SetUpAsync(LatchkeyTestHost host)
    {
        var owner = await host.SignupAndLoginAsync(Owner);
        var memberId = await host.CreateUserAsync(owner, "member@example.com");
        var (machineId, _) = await host.CreateMachineUserAsync(owner, "ci", "x");
        var (secret, _) = await SecondFactors.EnrolAsync(host, owner);
        return new Tenant(host, owner, secret, memberId, machineId);
    }
}
