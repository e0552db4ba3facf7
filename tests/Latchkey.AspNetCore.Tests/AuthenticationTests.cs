using System.Net;
using Microsoft.Extensions.Logging;

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

    [Fact]
    public async Task GarbageTokensNeverReachTheDatabase()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();
        var last = key.Token[^1] == 'a' ? "b" : "a";
        var badChecksum = key with { Token = string.Concat(key.Token.AsSpan(0, key.Token.Length - 1), last) };
        var reads = host.CredentialReads;
        host.Logs.Clear();

        for (var i = 0; i < 10; i++)
        {
            await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: badChecksum));
            await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key with { Token = "lk_key_" + new string('x', 60) }));
        }

        Assert.Equal(reads, host.CredentialReads);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), LatchkeyTestHost.IsDatabaseCommand);
    }

    [Fact]
    public async Task ManyRefusedCredentialsWriteOneInformationSummaryPerInterval()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();
        var loggedOut = await host.LoginAsync("alice@example.com", "app-instance-2");
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, "/v1/sessions/current", credential: loggedOut)).StatusCode);
        host.Logs.Clear();

        for (var i = 0; i < 20; i++)
        {
            await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: loggedOut));
            await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key.WithAppId("other-app-0001")));
            await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key with { Token = "lk_key_garbage" }));
        }

        // Note: Latchkey's own categories, which the default configuration logs at Information (appsettings.json keeps
        // Microsoft.AspNetCore at Warning, so ASP.NET Core's per-request lines are not written there).
        static List<string> InformationLines(LatchkeyTestHost host) => host.Logs.GetSnapshot()
            .Where(r => r.Category?.StartsWith("Latchkey", StringComparison.Ordinal) == true && r.Level >= LogLevel.Information)
            .Select(r => r.Message).ToList();
        Assert.Empty(InformationLines(host));
        Assert.Contains(host.Logs.GetSnapshot(), r => r.Level == LogLevel.Debug && r.Message.Contains("refused", StringComparison.Ordinal));

        host.Time.Advance(TimeSpan.FromSeconds(10));

        var summary = Assert.Single(InformationLines(host));
        Assert.Contains("60 credentials refused", summary, StringComparison.Ordinal);
        Assert.Contains("unknown 20", summary, StringComparison.Ordinal);
        Assert.Contains("app_mismatch 20", summary, StringComparison.Ordinal);
        Assert.Contains("malformed 20", summary, StringComparison.Ordinal);
    }
}
