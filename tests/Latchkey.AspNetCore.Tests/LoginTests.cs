using System.Net;
using Latchkey.Core;
using Latchkey.Core.Credentials;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Tests;

public sealed class LoginTests
{
    [Fact]
    public async Task LoginReturnsAKeyBoundToTheAppIdThatExpiresAfterTheAbsoluteLifetime()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");

        var response = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "Alice@Example.com", password = LatchkeyTestHost.Password, appId = "firefox-tab-0001", appName = "Firefox" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString());
        var body = await LatchkeyTestHost.ReadJsonAsync(response);
        Assert.StartsWith("lk_key_", body.GetProperty("apiKey").GetString());
        Assert.Equal("firefox-tab-0001", body.GetProperty("appId").GetString());
        Assert.Equal(LatchkeyTestHost.Start.AddDays(30), body.GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task LoginFailsGivenWrongPasswordWithTheSameAnswerAsForAnUnknownLogin()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");

        var wrongPassword = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "alice@example.com", password = "not the right passphrase", appId = "app-instance-1" });
        var unknownLogin = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "mallory@example.com", password = "not the right passphrase", appId = "app-instance-1" });

        await ProblemAssert.IsProblemAsync(wrongPassword, HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(unknownLogin, HttpStatusCode.Unauthorized);
        var a = await LatchkeyTestHost.ReadJsonAsync(wrongPassword);
        var b = await LatchkeyTestHost.ReadJsonAsync(unknownLogin);
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
        Assert.Equal(a.GetProperty("detail").GetString(), b.GetProperty("detail").GetString());
        Assert.Equal(wrongPassword.Headers.WwwAuthenticate.ToString(), unknownLogin.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task LoginFailsGivenAMachineUsersLogin()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (_, machine) = await host.CreateMachineUserAsync(owner);
        var machineLogin = machine.Token["lk_mach_".Length..][..26];

        var response = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = machineLogin, password = LatchkeyTestHost.Password, appId = "app-instance-1" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("short")]
    [InlineData("has space in it")]
    [InlineData("slash/is/not/allowed")]
    [InlineData("ünïcödé-app-id")]
    public async Task LoginAnswersBadRequestGivenAMissingOrMalformedAppId(string? appId)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");

        var response = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        var body = await LatchkeyTestHost.ReadJsonAsync(response);
        Assert.True(body.GetProperty("errors").TryGetProperty("appId", out _));
    }

    [Fact]
    public async Task LoginAnswersBadRequestGivenAnAppIdOfOneHundredTwentyNineCharacters()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");

        var tooLong = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = new string('a', 129) });
        var longest = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = new string('a', 128) });

        await ProblemAssert.IsProblemAsync(tooLong, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Created, longest.StatusCode);
    }

    [Fact]
    public async Task LoginSetsHardenedSessionCookiesThatAuthenticateABrowser()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");

        var login = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "browser-tab-01" });

        var cookies = login.Headers.GetValues("Set-Cookie").ToList();
        Assert.Equal(2, cookies.Count);
        Assert.All(cookies, c =>
        {
            Assert.Contains("httponly", c, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=lax", c, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("path=/", c, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("domain=", c, StringComparison.OrdinalIgnoreCase);
        });

        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
        request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => c.Split(';')[0])));
        var me = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task CookieAuthenticatedStateChangeFromAnotherSiteIsRefused()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");
        var login = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "browser-tab-01" });
        var cookieHeader = string.Join("; ", login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));

        var crossSite = new HttpRequestMessage(HttpMethod.Delete, "/v1/sessions");
        crossSite.Headers.Add("Cookie", cookieHeader);
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        var refused = await host.Client.SendAsync(crossSite);

        var sameSite = new HttpRequestMessage(HttpMethod.Get, "/v1/sessions");
        sameSite.Headers.Add("Cookie", cookieHeader);
        var stillThere = await LatchkeyTestHost.ReadJsonAsync(await host.Client.SendAsync(sameSite));

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden);
        Assert.Single(stillThere.EnumerateArray());
    }

    [Fact]
    public async Task EveryFailedLoginCostsExactlyOneHashWhetherOrNotTheLoginExists()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(services: counter.Register);
        await host.SignupAsync("alice@example.com");
        var owner = await host.LoginAsync("alice@example.com", "app-instance-1");
        var (_, machine) = await host.CreateMachineUserAsync(owner);

        foreach (var login in new[] { "alice@example.com", "nobody@example.com", machine.Token["lk_mach_".Length..][..26] })
        {
            var before = counter.Verifications;
            var response = await host.SendAsync(HttpMethod.Post, "/v1/login",
                new { login, password = "not the right passphrase", appId = "app-instance-2" });

            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Equal(before + 1, counter.Verifications);
        }
    }

    [Fact]
    public async Task LoginRehashesThePasswordWhenTheConfiguredParametersRise()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-rehash-").FullName;
        var connection = $"Data Source={Path.Combine(directory, "latchkey.db")}";
        await using (var before = await LatchkeyTestHost.StartAsync(connectionString: connection))
        {
            await before.SignupAsync("alice@example.com");
        }

        await using var after = await LatchkeyTestHost.StartAsync(
            new Dictionary<string, string?> { ["Latchkey:Passwords:Argon2MemoryKiB"] = "16", ["Latchkey:Passwords:Argon2Iterations"] = "2" },
            connection);
        var storedBefore = await StoredVerifierAsync(after);
        await after.LoginAsync("alice@example.com", "app-instance-1");
        var storedAfter = await StoredVerifierAsync(after);

        Assert.StartsWith("$argon2id$v=19$m=8,t=1,p=1$", storedBefore);
        Assert.StartsWith("$argon2id$v=19$m=16,t=2,p=1$", storedAfter);
        await after.LoginAsync("alice@example.com", "app-instance-2");
        Directory.Delete(directory, recursive: true);

        static async Task<string> StoredVerifierAsync(LatchkeyTestHost host)
        {
            await using var scope = host.App.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<Latchkey.Storage.LatchkeyDbContext>();
            return await db.Users.IgnoreQueryFilters().Select(u => u.SecretVerifier).SingleAsync();
        }
    }

    [Fact]
    public async Task ADisabledUsersRightPasswordGetsTheSameAnswerAndCostAsAWrongPasswordOrAnUnknownLogin()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(services: counter.Register);
        var owner = await host.SignupAndLoginAsync("owner@example.com");
        var created = await host.SendAsync(HttpMethod.Post, "/v1/users",
            new { login = "bob@example.com", password = LatchkeyTestHost.Password, roles = new[] { "member" } }, owner);
        var bobId = (await LatchkeyTestHost.ReadJsonAsync(created)).GetProperty("userId").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Patch, $"/v1/users/{bobId}", new { disabled = true }, owner)).StatusCode);

        var answers = new List<string>();
        foreach (var (login, password) in new[]
                 {
                     ("bob@example.com", LatchkeyTestHost.Password), ("bob@example.com", "not the right passphrase"),
                     ("nobody@example.com", LatchkeyTestHost.Password),
                 })
        {
            var before = counter.Verifications;
            var response = await host.SendAsync(HttpMethod.Post, "/v1/login", new { login, password, appId = "app-instance-3" });

            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Equal(before + 1, counter.Verifications);
            var body = await LatchkeyTestHost.ReadJsonAsync(response);
            answers.Add($"{response.Headers.WwwAuthenticate} {body.GetProperty("title")} {body.GetProperty("detail")}");
        }

        Assert.Single(answers.Distinct());
    }
}
