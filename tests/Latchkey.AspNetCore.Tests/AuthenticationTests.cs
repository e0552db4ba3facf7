using System.Net;

namespace Latchkey.AspNetCore.Tests;

public sealed class AuthenticationTests
{
    [Fact]
    public async Task AKeyWorksOnlyWithItsOwnAppId()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync(appId: "phone-install-1");
        await host.LoginAsync("alice@example.com", "laptop-cli-0001");

        var own = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key);
        var none = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key.WithAppId(null));
        var other = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key.WithAppId("laptop-cli-0001"));
        var malformed = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key.WithAppId("bad id"));

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(none);
        await ProblemAssert.IsUnauthorizedAsync(other);
        await ProblemAssert.IsUnauthorizedAsync(malformed);
    }

    [Fact]
    public async Task MeDescribesAHumanCallerAndItsSession()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync("Bob@Example.com");

        var me = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key));

        Assert.Equal("bob@example.com", me.GetProperty("login").GetString());
        Assert.Equal("human", me.GetProperty("kind").GetString());
        Assert.Equal(key.SessionId, me.GetProperty("sessionId").GetGuid());
    }

    [Fact]
    public async Task ARequestWithoutCredentialsGetsABareBearerChallenge()
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var response = await host.SendAsync(HttpMethod.Get, "/v1/me");

        await ProblemAssert.IsUnauthorizedAsync(response, credentialPresented: false);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer garbage")]
    [InlineData("Bearer lk_key_")]
    [InlineData("bearer lk_key_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("Bearer lk_mach_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task AMalformedBearerCredentialGetsInvalidToken(string authorization)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.Add("X-App-Id", "app-instance-1");

        var response = await host.Client.SendAsync(request);

        await ProblemAssert.IsUnauthorizedAsync(response);
    }

    [Fact]
    public async Task AKeyWithOneCharacterChangedIsRefused()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();
        var secretStart = "lk_key_".Length + 26;
        var flipped = key.Token[..secretStart] + (key.Token[secretStart] == 'a' ? 'b' : 'a') + key.Token[(secretStart + 1)..];

        var response = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key with { Token = flipped });

        await ProblemAssert.IsUnauthorizedAsync(response);
    }

    [Fact]
    public async Task AnotherAuthorizationSchemeIsNotMistakenForACredential()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
        request.Headers.TryAddWithoutValidation("Authorization", "Basic YWxpY2U6c2VjcmV0");

        var response = await host.Client.SendAsync(request);

        await ProblemAssert.IsUnauthorizedAsync(response, credentialPresented: false);
    }

    [Fact]
    public async Task SuccessfulRequestsWithinTheLastUsedResolutionMakeOneReadAndNoWrite()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();
        host.Logs.Clear();

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        }

        var commands = host.Logs.GetSnapshot().Where(LatchkeyTestHost.IsExecutedCommand).Select(r => r.Message).ToList();
        // Note: the first request reads the session; the other 19 are answered from the verified-credential cache.
        Assert.Single(commands);
        Assert.All(commands, c => Assert.DoesNotMatch("(?i)\\b(INSERT|UPDATE|DELETE)\\b", c));
    }
}
