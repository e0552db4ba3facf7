using System.Net;

namespace Latchkey.AspNetCore.Tests;

public sealed class SignupTests
{
    [Fact]
    public async Task SignupCreatesTenantWhoseOwnerCanLogIn()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (tenantId, userId) = await host.SignupAsync("alice@example.com");
        var key = await host.LoginAsync("alice@example.com", "app-instance-1");

        var me = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key));

        Assert.Equal(userId, me.GetProperty("userId").GetGuid());
        Assert.Equal(tenantId, me.GetProperty("tenantId").GetGuid());
        Assert.Equal("owner", Assert.Single(me.GetProperty("roles").EnumerateArray()).GetString());
    }

    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("ALICE@Example.com")]
    [InlineData("  alice@example.com ")]
    [InlineData("ａｌｉｃｅ@example.com")]
    public async Task SignupAnswersConflictGivenALoginTakenAfterNormalisation(string login)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");

        var response = await host.SendAsync(HttpMethod.Post, "/v1/signup",
            new { tenant = "Globex", login, password = "another long passphrase here" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task ASignupWithATakenLoginWritesOneInformationLineAndNoStackTrace()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");
        host.Logs.Clear();

        var response = await host.SendAsync(HttpMethod.Post, "/v1/signup",
            new { tenant = "Globex", login = "alice@example.com", password = "another long passphrase here" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict);
        // Note: what a host shows with the default levels (Information; Microsoft.AspNetCore and EF Core at Warning).
        var shown = host.Logs.GetSnapshot().Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning
            || (r.Level == Microsoft.Extensions.Logging.LogLevel.Information && !r.Category!.StartsWith("Microsoft.", StringComparison.Ordinal))).ToList();
        var line = Assert.Single(shown);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, line.Level);
        Assert.Null(line.Exception);
        Assert.Contains("alice@example.com", line.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short password")]
    [InlineData("alice@example.com and more words")]
    [InlineData("")]
    public async Task SignupAnswersBadRequestGivenAWeakPassword(string password)
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var response = await host.SendAsync(HttpMethod.Post, "/v1/signup", new { tenant = "Acme", login = "alice@example.com", password });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        var body = await LatchkeyTestHost.ReadJsonAsync(response);
        Assert.True(body.GetProperty("errors").TryGetProperty("password", out _));
        await host.SignupAsync("alice@example.com");
    }

    [Fact]
    public async Task SignupCountsPasswordLengthInCodePoints()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var fourteenEmoji = string.Concat(Enumerable.Repeat("🔑", 14));

        var response = await host.SendAsync(HttpMethod.Post, "/v1/signup",
            new { tenant = "Acme", login = "alice@example.com", password = fourteenEmoji });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(null, "alice@example.com")]
    [InlineData("Acme", null)]
    [InlineData("Acme", "al\u0000ice")]
    [InlineData("Acme", "alice\u202e")]
    [InlineData("   ", "alice@example.com")]
    public async Task SignupAnswersBadRequestGivenAMissingOrInvalidField(string? tenant, string? login)
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var response = await host.SendAsync(HttpMethod.Post, "/v1/signup", new { tenant, login, password = LatchkeyTestHost.Password });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task SignupIsRefusedWhenRegistrationIsDisabled()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?> { ["Latchkey:Registration:Enabled"] = "false" });

        var response = await host.SendAsync(HttpMethod.Post, "/v1/signup",
            new { tenant = "Acme", login = "alice@example.com", password = LatchkeyTestHost.Password });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }
}
