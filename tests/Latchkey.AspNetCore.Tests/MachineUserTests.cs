using System.Net;

namespace Latchkey.AspNetCore.Tests;

public sealed class MachineUserTests
{
    [Fact]
    public async Task AMachineTokenAuthenticatesAsItsMachineUserWithoutAnAppId()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (userId, token) = await host.CreateMachineUserAsync(owner, "deploy-bot", "deploy", "read:logs");

        var response = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("lk_mach_", token.Token);
        var me = await LatchkeyTestHost.ReadJsonAsync(response);
        Assert.Equal(userId, me.GetProperty("userId").GetGuid());
        Assert.Equal("machine", me.GetProperty("kind").GetString());
        Assert.Equal("deploy-bot", me.GetProperty("login").GetString());
        Assert.Equal("deploy-bot", me.GetProperty("name").GetString());
        Assert.Equal(["deploy", "read:logs"], me.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Empty(me.GetProperty("roles").EnumerateArray());
    }

    [Fact]
    public async Task MachineUsersAreListedWithScopesAndLastUseButNeverATokenNorItsSecret()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (userId, token) = await host.CreateMachineUserAsync(owner, "deploy-bot", "deploy", "read:logs");
        await host.SendAsync(HttpMethod.Get, "/v1/me", credential: token);

        string text = "";
        for (var i = 0; i < 1000 && !text.Contains("\"lastUsedAt\":\"20"); i++)
        {
            await Task.Delay(10);
            text = await (await host.SendAsync(HttpMethod.Get, "/v1/machine-users", credential: owner)).Content.ReadAsStringAsync();
        }

        Assert.DoesNotContain(token.Token, text);
        Assert.DoesNotContain(token.Token[^60..^7], text);
        var machine = Assert.Single((await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/machine-users", credential: owner))).EnumerateArray());
        Assert.Equal(userId, machine.GetProperty("userId").GetGuid());
        Assert.Equal("deploy-bot", machine.GetProperty("name").GetString());
        Assert.Equal(["deploy", "read:logs"], machine.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).ToArray());
        Assert.Equal(LatchkeyTestHost.Start, machine.GetProperty("lastUsedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task ARotatedMachineTokenStopsWorkingAndTheNewOneWorks()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (userId, old) = await host.CreateMachineUserAsync(owner);
        var issued = Assert.Single((await host.GetJsonAsync("/v1/machine-users", owner)).EnumerateArray()).GetProperty("tokenCreatedAt").GetDateTimeOffset();
        host.Time.Advance(TimeSpan.FromMinutes(1));

        var response = await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{userId}/token", credential: owner);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rotated = new Credential((await LatchkeyTestHost.ReadJsonAsync(response)).GetProperty("token").GetString()!, null, null);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: old));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: rotated)).StatusCode);
        var listed = Assert.Single((await host.GetJsonAsync("/v1/machine-users", owner)).EnumerateArray());
        Assert.Equal(LatchkeyTestHost.Start, issued);
        Assert.Equal(LatchkeyTestHost.Start, listed.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(LatchkeyTestHost.Start.AddMinutes(1), listed.GetProperty("tokenCreatedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task TheListNamesEachMachineUserByTheIdItsRotationTakes()
    {
        // Note: docs/deploy.md's rotation example: the id read from the list is the one the rotation URL takes.
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (userId, _) = await host.CreateMachineUserAsync(owner, "deploy-bot");
        var machine = Assert.Single((await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/machine-users", credential: owner))).EnumerateArray());
        var id = machine.GetProperty("id").GetGuid();

        var response = await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{id}/token", credential: owner);

        Assert.Equal(userId, id);
        Assert.Equal(userId, machine.GetProperty("userId").GetGuid());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task ADeletedMachineUsersTokenStopsWorking()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (userId, token) = await host.CreateMachineUserAsync(owner);

        var response = await host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{userId}", credential: owner);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: token));
        var list = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/machine-users", credential: owner));
        Assert.Empty(list.EnumerateArray());
    }

    [Fact]
    public async Task AnotherTenantsMachineUserCannotBeRotatedDeletedOrListed()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync("alice@example.com");
        var mallory = await host.SignupAndLoginAsync("mallory@example.com");
        var (userId, token) = await host.CreateMachineUserAsync(alice);

        var rotate = await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{userId}/token", credential: mallory);
        var delete = await host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{userId}", credential: mallory);
        var list = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/machine-users", credential: mallory));

        await ProblemAssert.IsProblemAsync(rotate, HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(delete, HttpStatusCode.NotFound);
        Assert.Empty(list.EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: token)).StatusCode);
    }

    [Fact]
    public async Task AHumanUsersIdIsNotAMachineUser()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId) = await host.SignupAsync("alice@example.com");
        var owner = await host.LoginAsync("alice@example.com", "app-instance-1");

        var delete = await host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{ownerId}", credential: owner);

        await ProblemAssert.IsProblemAsync(delete, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: owner)).StatusCode);
    }

    [Theory]
    [InlineData("GET", "/v1/sessions")]
    [InlineData("DELETE", "/v1/sessions")]
    [InlineData("DELETE", "/v1/sessions/current")]
    [InlineData("PUT", "/v1/me/password")]
    [InlineData("GET", "/v1/machine-users")]
    [InlineData("POST", "/v1/machine-users")]
    public async Task HumanOnlyEndpointsAnswerForbiddenToAMachineToken(string method, string path)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (_, token) = await host.CreateMachineUserAsync(owner);

        var response = await host.SendAsync(new HttpMethod(method), path,
            method is "PUT" or "POST" ? new { currentPassword = "x", newPassword = "y", name = "n" } : null, token);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("bot", new[] { "has space" })]
    [InlineData("bot", new[] { "" })]
    public async Task CreatingAMachineUserAnswersBadRequestGivenAnInvalidNameOrScope(string? name, string[]? scopes)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();

        var response = await host.SendAsync(HttpMethod.Post, "/v1/machine-users", new { name, scopes }, owner);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }
}
