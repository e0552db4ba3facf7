using System.Net;

namespace Latchkey.AspNetCore.Tests;

/// <summary><c>Latchkey:Sessions:MaxPerUser</c>: a login beyond the bound ends the least recently used session, never the login.</summary>
public sealed class SessionBoundTests
{
    private static readonly Dictionary<string, string?> BoundOfThree = new() { ["Latchkey:Sessions:MaxPerUser"] = "3" };

    [Fact]
    public async Task ALoginBeyondMaxPerUserEndsTheLeastRecentlyUsedSessionAndAuditsIt()
    {
        await using var host = await LatchkeyTestHost.StartAsync(BoundOfThree);
        var first = await host.SignupAndLoginAsync("alice@example.com", "app-first-01");
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await host.LoginAsync("alice@example.com", "app-second-01");
        // Note: verified once, so a cached copy of it exists when it is evicted.
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: second)).StatusCode);
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var third = await host.LoginAsync("alice@example.com", "app-third-01");
        // Note: the oldest session is used again, so the second one is now the least recently used.
        host.Time.Advance(TimeSpan.FromMinutes(2));
        await host.WaitForLastUseAsync(first, host.Time.GetUtcNow());

        var fourth = await host.LoginAsync("alice@example.com", "app-fourth-01");

        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: second));
        foreach (var kept in new[] { first, third, fourth })
        {
            Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: kept)).StatusCode);
        }

        var sessions = (await host.GetJsonAsync("/v1/sessions", fourth)).EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(new[] { first.SessionId!.Value, third.SessionId!.Value, fourth.SessionId!.Value }.Order(), sessions.Order());
        var evicted = Assert.Single(await host.AuditAsync(fourth), e => e.GetProperty("event").GetString() == "session.evicted");
        Assert.Equal("app-second-01", evicted.GetProperty("appId").GetString());
        Assert.Contains(second.SessionId!.Value.ToString(), evicted.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ASessionEvictedOnOneHostIsRefusedByAnotherHostThatHadItCached()
    {
        await using var server = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?> { ["Latchkey:Sessions:MaxPerUser"] = "1" });
        await using var resourceApi = await LatchkeyTestHost.StartAsync(sameDatabaseAs: server);
        var old = await server.SignupAndLoginAsync("alice@example.com", "app-old-0001");
        await CredentialCacheTests.WaitUntilAnsweredFromTheCacheAsync(resourceApi, old);

        var fresh = await server.LoginAsync("alice@example.com", "app-new-0001");

        await ProblemAssert.IsUnauthorizedAsync(await resourceApi.SendAsync(HttpMethod.Get, "/v1/me", credential: old));
        Assert.Equal(HttpStatusCode.OK, (await resourceApi.SendAsync(HttpMethod.Get, "/v1/me", credential: fresh)).StatusCode);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10001")]
    public async Task AMaxPerUserOutsideItsRangeStopsTheHostAtStartWithTheSettingNamed(string value)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            LatchkeyTestHost.StartAsync(new Dictionary<string, string?> { ["Latchkey:Sessions:MaxPerUser"] = value }));

        Assert.Contains("Latchkey:Sessions:MaxPerUser", error.Message);
    }
}
