using System.Net;
using Latchkey.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// <c>RequireRateLimit</c> on an integrator's endpoints: per credential, fixed windows, 429 with Retry-After and the
/// IETF RateLimit headers. The test host's clock stands at the start of a minute, so each window has 60 s left.
/// </summary>
public sealed class CredentialRateLimitTests
{
    private static async Task<List<HttpResponseMessage>> CallAsync(LatchkeyTestHost host, string path, Credential credential, int times)
    {
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < times; i++)
        {
            responses.Add(await host.SendAsync(HttpMethod.Get, path, credential: credential));
        }

        return responses;
    }

    [Fact]
    public async Task AnEndpointWithRequireRateLimitAnswersTooManyRequestsWithRetryAfterAndRateLimitHeadersAfterItsPermits()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync();

        var responses = await CallAsync(host, "/integrator/limited", alice, 4);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests],
            responses.Select(r => r.StatusCode));
        Assert.All(responses, r => Assert.Equal("\"default\";q=3;w=60", r.Headers.GetValues("RateLimit-Policy").Single()));
        Assert.Equal(["\"default\";r=2;t=60", "\"default\";r=1;t=60", "\"default\";r=0;t=60", "\"default\";r=0;t=60"],
            responses.Select(r => r.Headers.GetValues("RateLimit").Single()));
        await ProblemAssert.IsProblemAsync(responses[3], HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(60), responses[3].Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task WhenTheWindowEndsTheCredentialHasItsPermitsAgain()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync();
        await CallAsync(host, "/integrator/limited", alice, 3);

        host.Time.Advance(TimeSpan.FromSeconds(45));
        var stillRefused = await host.SendAsync(HttpMethod.Get, "/integrator/limited", credential: alice);
        host.Time.Advance(TimeSpan.FromSeconds(15));
        var nextWindow = await host.SendAsync(HttpMethod.Get, "/integrator/limited", credential: alice);

        Assert.Equal(HttpStatusCode.TooManyRequests, stillRefused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(15), stillRefused.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.OK, nextWindow.StatusCode);
        Assert.Equal("\"default\";r=2;t=60", nextWindow.Headers.GetValues("RateLimit").Single());
    }

    [Fact]
    public async Task EachCredentialIsCountedOnItsOwnAndEndpointsWithoutALimitAreNotCounted()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var laptop = await host.SignupAndLoginAsync("alice@example.com", "app-laptop-01");
        var phone = await host.LoginAsync("alice@example.com", "app-phone-001");
        await CallAsync(host, "/integrator/limited", laptop, 3);

        var me = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: laptop);
        var otherSession = await host.SendAsync(HttpMethod.Get, "/integrator/limited", credential: phone);

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.False(me.Headers.Contains("RateLimit"));
        Assert.Equal(HttpStatusCode.OK, otherSession.StatusCode);
    }

    [Fact]
    public async Task EndpointsNamingOnePolicyDrawOnOneCountAnnouncedUnderThePolicysName()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync();

        var daily = await host.SendAsync(HttpMethod.Get, "/integrator/reports/daily", credential: alice);
        var weekly = await host.SendAsync(HttpMethod.Get, "/integrator/reports/weekly", credential: alice);
        var third = await host.SendAsync(HttpMethod.Get, "/integrator/reports/daily", credential: alice);

        Assert.Equal(HttpStatusCode.OK, daily.StatusCode);
        Assert.Equal(HttpStatusCode.OK, weekly.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("\"reports\";q=2;w=60", third.Headers.GetValues("RateLimit-Policy").Single());
    }

    [Fact]
    public async Task APolicyAddedInCodeReplacesTheConfiguredNumbers()
    {
        await using var host = await LatchkeyTestHost.StartAsync(services: s => s.AddLatchkeyRateLimitPolicy("reports", 1, TimeSpan.FromSeconds(30)));
        var alice = await host.SignupAndLoginAsync();

        var responses = await CallAsync(host, "/integrator/reports/daily", alice, 2);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], responses.Select(r => r.StatusCode));
        Assert.Equal("\"reports\";q=1;w=30", responses[1].Headers.GetValues("RateLimit-Policy").Single());
    }

    [Fact]
    public async Task AnAnonymousCallerOfALimitedEndpointIsCountedByItsAddress()
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await RawRequest.SendAsync(host, "GET", "/integrator/public-limited", null, System.Net.IPAddress.Parse("198.51.100.20"))).Response.StatusCode);
        }

        var elsewhere = await RawRequest.SendAsync(host, "GET", "/integrator/public-limited", null, System.Net.IPAddress.Parse("198.51.100.21"));

        Assert.Equal([200, 200, 429], statuses);
        Assert.Equal(200, elsewhere.Response.StatusCode);
    }

    [Fact]
    public async Task AMachineUsersOwnLimitReplacesTheEndpointsUntilClearedAndBothChangesAreAudited()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var admin = await host.SignupAndLoginAsync("owner@example.com");
        var (machineId, token) = await host.CreateMachineUserAsync(admin, "nightly-export");

        var set = await host.SendAsync(HttpMethod.Put, $"/v1/machine-users/{machineId}/rate-limit", new { permits = 1, windowSeconds = 30 }, admin);
        var read = await host.GetJsonAsync($"/v1/machine-users/{machineId}/rate-limit", admin);
        var limited = await CallAsync(host, "/integrator/limited", token, 2);
        var cleared = await host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{machineId}/rate-limit", credential: admin);
        var afterClear = await host.SendAsync(HttpMethod.Get, "/integrator/limited", credential: token);
        var audit = await host.AuditAsync(admin);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(1, read.GetProperty("permits").GetInt32());
        Assert.Equal(30, read.GetProperty("windowSeconds").GetInt32());
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], limited.Select(r => r.StatusCode));
        Assert.Equal("\"default\";q=1;w=30", limited[1].Headers.GetValues("RateLimit-Policy").Single());
        Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterClear.StatusCode);
        Assert.Equal("\"default\";q=3;w=60", afterClear.Headers.GetValues("RateLimit-Policy").Single());
        Assert.Contains(audit, e => e.GetProperty("event").GetString() == "machine_user.rate_limit_set"
            && e.GetProperty("detail").GetString() == "nightly-export: 1 per 30 s");
        Assert.Contains(audit, e => e.GetProperty("event").GetString() == "machine_user.rate_limit_cleared");
    }

    [Fact]
    public async Task AMachineUserWithItsOwnLimitCanBeDeletedAndItsLimitGoesWithIt()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var admin = await host.SignupAndLoginAsync("owner@example.com");
        var (machineId, _) = await host.CreateMachineUserAsync(admin, "short-lived");
        await host.SendAsync(HttpMethod.Put, $"/v1/machine-users/{machineId}/rate-limit", new { permits = 10, windowSeconds = 60 }, admin);

        var deleted = await host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{machineId}", credential: admin);
        var limit = await host.SendAsync(HttpMethod.Get, $"/v1/machine-users/{machineId}/rate-limit", credential: admin);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await ProblemAssert.IsProblemAsync(limit, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AMachineUsersLimitIsRefusedWithBadNumbersAndForAnotherTenantsMachineUser()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var admin = await host.SignupAndLoginAsync("owner@example.com");
        var (machineId, _) = await host.CreateMachineUserAsync(admin, "ci");
        var (_, _, stranger) = await host.CreateTenantAsync("stranger@example.com", "Other");

        var zero = await host.SendAsync(HttpMethod.Put, $"/v1/machine-users/{machineId}/rate-limit", new { permits = 0, windowSeconds = 60 }, admin);
        var tooLong = await host.SendAsync(HttpMethod.Put, $"/v1/machine-users/{machineId}/rate-limit", new { permits = 5, windowSeconds = 86401 }, admin);
        var foreign = await host.SendAsync(HttpMethod.Put, $"/v1/machine-users/{machineId}/rate-limit", new { permits = 5, windowSeconds = 60 }, stranger);
        var foreignClear = await host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{machineId}/rate-limit", credential: stranger);

        await ProblemAssert.IsProblemAsync(zero, HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(tooLong, HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(foreign, HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(foreignClear, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnEndpointNamingAnUndefinedPolicyIsRefusedWithServiceUnavailableNotOpened()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync();

        var response = await host.SendAsync(HttpMethod.Get, "/integrator/misconfigured", credential: alice);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task CredentialsAreForgottenOnceTheirWindowHasEndedSoTheTableHoldsOnlyTheActiveOnes()
    {
        var time = new FakeTimeProvider(LatchkeyTestHost.Start);
        var limiter = new CredentialRateLimiter(time, Options.Create(new LatchkeyRateLimitOptions()));
        for (var i = 0; i < 2000; i++)
        {
            await limiter.AcquireAsync($"s:{i}|e:/api|60", 10, 60);
        }

        var inTheWindow = limiter.TrackedCredentials;
        time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 100; i++)
        {
            await limiter.AcquireAsync($"s:later-{i}|e:/api|60", 10, 60);
        }

        Assert.Equal(2000, inTheWindow);
        Assert.InRange(limiter.TrackedCredentials, 1, 100);
    }

    [Fact]
    public void APermitsBlockLeasedFromTheDatabaseIsATenthOfTheLimitSharedByTheExpectedInstances()
    {
        var limiter = new CredentialRateLimiter(TimeProvider.System, Options.Create(new LatchkeyRateLimitOptions { ExpectedInstances = 3 }));

        Assert.Equal(33, limiter.BlockFor(1000));
        Assert.Equal(1, limiter.BlockFor(10));
    }
}
