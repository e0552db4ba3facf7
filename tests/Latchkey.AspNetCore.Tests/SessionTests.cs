using System.Net;

namespace Latchkey.AspNetCore.Tests;

public sealed class SessionTests
{
    [Fact]
    public async Task SessionsListsEveryAppInstanceOfTheUserWithoutKeys()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var firefox = await host.SignupAndLoginAsync(appId: "firefox-tab-01");
        var cli = await host.LoginAsync("alice@example.com", "cli-install-01");

        var response = await host.SendAsync(HttpMethod.Get, "/v1/sessions", credential: firefox);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("lk_key_", text);
        Assert.DoesNotContain(firefox.Token[7..33], text);
        var sessions = (await LatchkeyTestHost.ReadJsonAsync(response)).EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        var current = Assert.Single(sessions, s => s.GetProperty("current").GetBoolean());
        Assert.Equal(firefox.SessionId, current.GetProperty("id").GetGuid());
        Assert.Contains(sessions, s => s.GetProperty("appId").GetString() == "cli-install-01" && s.GetProperty("id").GetGuid() == cli.SessionId);
    }

    [Fact]
    public async Task RevokingOneAppInstanceLeavesTheUsersOthersWorking()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var firefox = await host.SignupAndLoginAsync(appId: "firefox-tab-01");
        var phone = await host.LoginAsync("alice@example.com", "phone-install-1");

        var revoke = await host.SendAsync(HttpMethod.Delete, $"/v1/sessions/{phone.SessionId}", credential: firefox);

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: phone));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: firefox)).StatusCode);
    }

    [Fact]
    public async Task RevokingAnotherUsersSessionAnswersNotFoundAndLeavesItWorking()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync("alice@example.com");
        var bob = await host.SignupAndLoginAsync("bob@example.com");

        var response = await host.SendAsync(HttpMethod.Delete, $"/v1/sessions/{bob.SessionId}", credential: alice);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: bob)).StatusCode);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("not-a-guid")]
    public async Task RevokingAnUnknownSessionAnswersNotFound(string id)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync();

        var response = await host.SendAsync(HttpMethod.Delete, $"/v1/sessions/{id}", credential: alice);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task LoggingOutTheCurrentAppInstanceEndsOnlyIt()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var firefox = await host.SignupAndLoginAsync(appId: "firefox-tab-01");
        var chrome = await host.LoginAsync("alice@example.com", "chrome-tab-001");

        var response = await host.SendAsync(HttpMethod.Delete, "/v1/sessions/current", credential: firefox);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: firefox));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: chrome)).StatusCode);
    }

    [Fact]
    public async Task LoggingOutEverywhereEndsEverySessionOfTheUserOnly()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var firefox = await host.SignupAndLoginAsync(appId: "firefox-tab-01");
        var chrome = await host.LoginAsync("alice@example.com", "chrome-tab-001");
        var bob = await host.SignupAndLoginAsync("bob@example.com");

        var response = await host.SendAsync(HttpMethod.Delete, "/v1/sessions", credential: chrome);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: firefox));
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: chrome));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: bob)).StatusCode);
    }

    [Fact]
    public async Task LoggingInAgainFromTheSameAppIdReplacesItsKey()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var first = await host.SignupAndLoginAsync(appId: "cli-install-01");

        var second = await host.LoginAsync("alice@example.com", "cli-install-01");

        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: first));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: second)).StatusCode);
        var sessions = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/sessions", credential: second));
        Assert.Equal(second.SessionId, Assert.Single(sessions.EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task PasswordChangeEndsTheOtherSessionsAndKeepsTheCurrentOne()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var laptop = await host.SignupAndLoginAsync(appId: "laptop-cli-0001");
        var stolen = await host.LoginAsync("alice@example.com", "attacker-device");
        const string next = "a brand new long passphrase";

        var response = await host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = LatchkeyTestHost.Password, newPassword = next }, laptop);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: laptop)).StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: stolen));
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "phone-install-1" }), HttpStatusCode.Unauthorized);
        await host.LoginAsync("alice@example.com", "phone-install-1", next);
    }

    [Fact]
    public async Task PasswordChangeIsRefusedGivenAWrongCurrentPasswordOrAWeakNewOne()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var laptop = await host.SignupAndLoginAsync(appId: "laptop-cli-0001");
        var other = await host.LoginAsync("alice@example.com", "phone-install-1");

        var wrongCurrent = await host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = "not my password at all", newPassword = "a brand new long passphrase" }, laptop);
        var weak = await host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = LatchkeyTestHost.Password, newPassword = "short" }, laptop);

        await ProblemAssert.IsProblemAsync(wrongCurrent, HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(weak, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: other)).StatusCode);
        await host.LoginAsync("alice@example.com", "phone-install-2");
    }
}
