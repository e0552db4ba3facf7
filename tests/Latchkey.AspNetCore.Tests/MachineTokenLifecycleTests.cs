using System.Net;

namespace Latchkey.AspNetCore.Tests;

/// <summary>Machine tokens that expire, and rotation with a grace period for the previous token.</summary>
public sealed class MachineTokenLifecycleTests
{
    [Fact]
    public async Task BothTokensWorkDuringTheGraceTheOldOneWithDeprecationAndSunsetAndStopsWhenItEnds()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (id, old) = await host.CreateMachineUserAsync(owner, "fleet");
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: old)).StatusCode);

        var rotated = await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{id}/token", new { graceSeconds = 3600 }, owner);
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        var body = await LatchkeyTestHost.ReadJsonAsync(rotated);
        var sunset = LatchkeyTestHost.Start.AddHours(1);
        Assert.Equal(sunset, body.GetProperty("previousTokenValidUntil").GetDateTimeOffset());
        var fresh = new Credential(body.GetProperty("token").GetString()!, null, null);

        for (var i = 0; i < 2; i++)
        {
            var byOld = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: old);
            Assert.Equal(HttpStatusCode.OK, byOld.StatusCode);
            Assert.Equal("@" + LatchkeyTestHost.Start.ToUnixTimeSeconds(), Assert.Single(byOld.Headers.GetValues("Deprecation")));
            Assert.Equal(sunset.ToString("R"), Assert.Single(byOld.Headers.GetValues("Sunset")));
            var byNew = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: fresh);
            Assert.Equal(HttpStatusCode.OK, byNew.StatusCode);
            Assert.False(byNew.Headers.Contains("Deprecation"));
        }

        var listed = Assert.Single((await host.GetJsonAsync("/v1/machine-users", owner)).EnumerateArray());
        Assert.Equal(sunset, listed.GetProperty("previousTokenValidUntil").GetDateTimeOffset());
        Assert.Contains("previous token valid until", Assert.Single(await host.AuditAsync(owner),
            e => e.GetProperty("event").GetString() == "machine_user.token_rotated").GetProperty("detail").GetString());

        host.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: old)).StatusCode);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: old), "token_rotated");
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: fresh)).StatusCode);
    }

    [Fact]
    public async Task EndingTheGraceEarlyIsOneCallAndAuditedAndARotationWithoutGraceEndsTheOldTokenAtOnce()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (id, old) = await host.CreateMachineUserAsync(owner, "fleet");
        var body = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{id}/token", new { graceSeconds = 600 }, owner));
        var second = new Credential(body.GetProperty("token").GetString()!, null, null);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: old)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{id}/token/previous", credential: owner)).StatusCode);
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: old), "token_rotated");
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{id}/token/previous", credential: owner), HttpStatusCode.NotFound);
        Assert.Single(await host.AuditAsync(owner), e => e.GetProperty("event").GetString() == "machine_user.grace_ended");

        // Note: no body at all is a rotation without grace, as before.
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{id}/token", credential: owner)).StatusCode);
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: second), "token_rotated");
    }

    [Fact]
    public async Task AnExpiringTokenIsListedWithItsExpiryAndRefusedAsExpiredFromThenAndBadValuesAreProblems()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var created = await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name = "nightly", expiresIn = 3600 }, owner);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = new Credential((await LatchkeyTestHost.ReadJsonAsync(created)).GetProperty("token").GetString()!, null, null);
        var listed = Assert.Single((await host.GetJsonAsync("/v1/machine-users", owner)).EnumerateArray());
        Assert.Equal(LatchkeyTestHost.Start.AddHours(1), listed.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: token)).StatusCode);

        host.Time.Advance(TimeSpan.FromHours(1));
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: token), "expired");

        var id = listed.GetProperty("userId").GetGuid();
        owner = await host.LoginAsync("alice@example.com", "app-instance-1");   // a fresh sign-in for the step-up
        foreach (var bad in new object[]
        {
            new { graceSeconds = 7 * 24 * 3600 + 1 }, new { graceSeconds = -1 }, new { expiresIn = 30 },
            new { expiresAt = host.Time.GetUtcNow().AddDays(-1) }, new { expiresIn = 3600, expiresAt = host.Time.GetUtcNow().AddDays(1) },
        })
        {
            await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{id}/token", bad, owner), HttpStatusCode.BadRequest);
        }

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name = "x", expiresIn = 10 }, owner), HttpStatusCode.BadRequest);
        var renewed = await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{id}/token", new { expiresAt = host.Time.GetUtcNow().AddDays(30) }, owner);
        Assert.Equal(HttpStatusCode.Created, renewed.StatusCode);
        var fresh = new Credential((await LatchkeyTestHost.ReadJsonAsync(renewed)).GetProperty("token").GetString()!, null, null);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: fresh)).StatusCode);
    }
}
