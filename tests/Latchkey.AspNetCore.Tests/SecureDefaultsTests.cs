using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Latchkey.AspNetCore.Tests;

public sealed class SecureDefaultsTests
{
    [Fact]
    public async Task EveryResponseForbidsSniffingFramingAndReferrers()
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var response = await host.SendAsync(HttpMethod.Get, "/v1/me");

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task OverHttpsResponsesCarryHstsAndLoginSetsHostPrefixedSecureCookies()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");
        var body = JsonSerializer.Serialize(new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "browser-tab-01" });
        var headers = new Dictionary<string, string> { ["Host"] = "auth.example.com" };

        var https = await RawRequest.SendAsync(host, "POST", "/v1/login", body, headers: headers, scheme: "https");
        var http = await RawRequest.SendAsync(host, "GET", "/healthz", headers: headers);

        Assert.Equal(201, https.Response.StatusCode);
        Assert.StartsWith("max-age=", https.Response.Headers.StrictTransportSecurity.ToString());
        Assert.Equal("no-store", https.Response.Headers.CacheControl.ToString());
        var cookies = https.Response.Headers.SetCookie.ToArray();
        Assert.Contains(cookies, c => c!.StartsWith("__Host-latchkey=lk_key_"));
        Assert.Contains(cookies, c => c!.StartsWith("__Host-latchkey-app=browser-tab-01"));
        Assert.All(cookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(http.Response.Headers.StrictTransportSecurity.ToString());
    }

    [Fact]
    public async Task JsonInAnotherCharsetThanUtf8IsRefusedWithUnsupportedMediaType()
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var response = await RawRequest.SendAsync(host, "POST", "/v1/login", "{}", contentType: "application/json; charset=utf-7");

        Assert.Equal(415, response.Response.StatusCode);
        Assert.Equal("application/problem+json", response.Response.ContentType);
    }

    [Theory]
    [InlineData("1qaz2wsx3edc4rfv")]
    [InlineData("QAZWSXEDCRFVTGB")]
    [InlineData("123456789987654321")]
    public async Task SignupRefusesAPasswordFromTheCommonPasswordList(string password)
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var response = await host.SendAsync(HttpMethod.Post, "/v1/signup", new { tenant = "Acme", login = "alice@example.com", password });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("common", (await LatchkeyTestHost.ReadJsonAsync(response)).GetProperty("errors").GetProperty("password")[0].GetString());
    }

    [Fact]
    public async Task SignupRefusesAPasswordContainingTheTenantName()
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var response = await host.SendAsync(HttpMethod.Post, "/v1/signup",
            new { tenant = "Initech", login = "alice@example.com", password = "my initech password forever" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ClientSuppliedValuesAreLoggedWithControlCharactersEscaped()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");
        var body = JsonSerializer.Serialize(new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "app-instance-1" });

        await RawRequest.SendAsync(host, "POST", "/v1/login", body,
            headers: new Dictionary<string, string> { ["User-Agent"] = "curl\r\nFAKE: Login Succeeded for admin\u202e" });

        var line = Assert.Single(host.Logs.GetSnapshot(), r => r.Category == "Latchkey.Login").Message;
        Assert.DoesNotContain("\n", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202e", line, StringComparison.Ordinal);
        Assert.Contains("curl\\u000d\\u000aFAKE", line);
    }

    [Fact]
    public async Task WhenTheDatabaseIsLockedLoginAnswersServiceUnavailableAndCreatesNoSession()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-locked-").FullName;
        var database = Path.Combine(directory, "latchkey.db");
        await using var host = await LatchkeyTestHost.StartAsync(connectionString: $"Data Source={database};Default Timeout=1");
        var key = await host.SignupAndLoginAsync();

        await using (var blocker = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            await blocker.OpenAsync();
            await using var transaction = await blocker.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
            await using (var write = blocker.CreateCommand())
            {
                write.CommandText = "UPDATE users SET disabled = disabled";
                await write.ExecuteNonQueryAsync();
            }

            var login = await host.SendAsync(HttpMethod.Post, "/v1/login",
                new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "app-instance-2" });

            await ProblemAssert.IsProblemAsync(login, HttpStatusCode.ServiceUnavailable);
            await transaction.RollbackAsync();
        }

        var sessions = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/sessions", credential: key));
        Assert.Equal(key.SessionId, Assert.Single(sessions.EnumerateArray()).GetProperty("id").GetGuid());
        await host.LoginAsync("alice@example.com", "app-instance-2");
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("Production", "localhost", "__Host-latchkey=", true)]
    [InlineData("Development", "auth.example.com", "__Host-latchkey=", true)]
    [InlineData("Development", "localhost", "latchkey=", false)]
    public async Task OverPlainHttpCookiesDropSecureOnlyOnLocalhostInDevelopment(string environment, string hostName, string cookiePrefix, bool secure)
    {
        await using var host = await LatchkeyTestHost.StartAsync(environment: environment);
        await host.SignupAsync("alice@example.com");
        var body = JsonSerializer.Serialize(new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "browser-tab-01" });

        var login = await RawRequest.SendAsync(host, "POST", "/v1/login", body, headers: new Dictionary<string, string> { ["Host"] = hostName });

        Assert.Equal(201, login.Response.StatusCode);
        var cookie = Assert.Single(login.Response.Headers.SetCookie.ToArray(), c => c!.Contains("lk_key_"))!;
        Assert.StartsWith(cookiePrefix, cookie);
        Assert.Equal(secure, cookie.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }
}
