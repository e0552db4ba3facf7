using System.Net;

namespace Latchkey.AspNetCore.Tests;

public sealed class RoleTests
{
    public static TheoryData<string, string> AdminEndpoints => new()
    {
        { "GET", "/v1/users" },
        { "POST", "/v1/users" },
        { "PATCH", "/v1/users/{owner}" },
        { "DELETE", "/v1/users/{owner}" },
        { "GET", "/v1/users/{owner}/sessions" },
        { "DELETE", "/v1/users/{owner}/sessions" },
        { "POST", "/v1/users/{owner}/unlock" },
        { "GET", "/v1/tenant" },
        { "PATCH", "/v1/tenant" },
        { "GET", "/v1/audit" },
        { "GET", "/v1/machine-users" },
        { "POST", "/v1/machine-users" },
        { "POST", "/v1/machine-users/{owner}/token" },
        { "DELETE", "/v1/machine-users/{owner}" },
    };

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task AMemberIsForbiddenEveryAdminEndpoint(string method, string path)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateUserAsync(owner, "member@acme.test");
        var member = await host.LoginAsync("member@acme.test", "member-app-01");

        var response = await host.SendAsync(new HttpMethod(method), path.Replace("{owner}", ownerId.ToString()), Body(method), member);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: owner)).StatusCode);
        Assert.Equal(2, (await host.GetJsonAsync("/v1/users", owner)).GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task AMachineTokenIsForbiddenEveryAdminEndpoint(string method, string path)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        var (_, machine) = await host.CreateMachineUserAsync(owner, "bot", "users:write");

        var response = await host.SendAsync(new HttpMethod(method), path.Replace("{owner}", ownerId.ToString()), Body(method), machine);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AnAdminCanCreateMembersAndAdminsButNotOwners()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app-001");

        await host.CreateUserAsync(admin, "member@acme.test", "member");
        await host.CreateUserAsync(admin, "admin2@acme.test", "admin");
        var owner2 = await host.SendAsync(HttpMethod.Post, "/v1/users",
            new { login = "owner2@acme.test", password = LatchkeyTestHost.Password, roles = new[] { "owner" } }, admin);

        await ProblemAssert.IsProblemAsync(owner2, HttpStatusCode.Forbidden);
        Assert.Equal(4, (await host.GetJsonAsync("/v1/users", owner)).GetArrayLength());
    }

    [Fact]
    public async Task AnAdminCannotPromoteAnyoneToOwner()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var adminId = await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app-001");

        var member = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { roles = new[] { "owner" } }, admin);
        var self = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{adminId}", new { roles = new[] { "owner" } }, admin);

        await ProblemAssert.IsProblemAsync(member, HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(self, HttpStatusCode.Forbidden);
        Assert.Equal("member", await RoleOfAsync(host, owner, memberId));
        Assert.Equal("admin", await RoleOfAsync(host, owner, adminId));
    }

    [Fact]
    public async Task AnAdminCanPromoteAMemberToAdminAndTheNewRoleHoldsOnTheMembersNextRequest()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app-001");
        var member = await host.LoginAsync("member@acme.test", "member-app-01");
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, "/v1/users", credential: member), HttpStatusCode.Forbidden);

        var response = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { roles = new[] { "admin" } }, admin);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/users", credential: member)).StatusCode);
        Assert.Equal(["admin"], (await host.GetJsonAsync("/v1/me", member)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task AnAdminCannotChangeDisableDeleteOrLogOutAnOwner()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app-001");

        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Patch, $"/v1/users/{ownerId}", new { roles = new[] { "member" } }, admin), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Patch, $"/v1/users/{ownerId}", new { disabled = true }, admin), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Delete, $"/v1/users/{ownerId}", credential: admin), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Delete, $"/v1/users/{ownerId}/sessions", credential: admin), HttpStatusCode.Forbidden);

        Assert.Equal("owner", await RoleOfAsync(host, owner, ownerId));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: owner)).StatusCode);
    }

    [Fact]
    public async Task AnAdminCanSeeAnOwnersSessionsButNeverItsKeys()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app-001");

        var response = await host.SendAsync(HttpMethod.Get, $"/v1/users/{ownerId}/sessions", credential: admin);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(owner.Token[7..33], text);
        Assert.Equal(owner.SessionId, Assert.Single((await LatchkeyTestHost.ReadJsonAsync(response)).EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task AnOwnerCanMakeAnotherOwnerAndThenStepDown()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        var member = await host.LoginAsync("member@acme.test", "member-app-01");

        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { roles = new[] { "owner" } }, owner)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Patch, $"/v1/users/{ownerId}", new { roles = new[] { "member" } }, owner)).StatusCode);

        Assert.Equal("owner", await RoleOfAsync(host, member, memberId));
        Assert.Equal("member", await RoleOfAsync(host, member, ownerId));
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, "/v1/users", credential: owner), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TheLastOwnerCannotBeDemotedDisabledOrDeleted()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateUserAsync(owner, "admin@acme.test", "admin");

        var demote = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{ownerId}", new { roles = new[] { "admin" } }, owner);
        var disable = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{ownerId}", new { disabled = true }, owner);
        var delete = await host.SendAsync(HttpMethod.Delete, $"/v1/users/{ownerId}", credential: owner);

        await ProblemAssert.IsProblemAsync(demote, HttpStatusCode.Conflict);
        await ProblemAssert.IsProblemAsync(disable, HttpStatusCode.Conflict);
        await ProblemAssert.IsProblemAsync(delete, HttpStatusCode.Conflict);
        Assert.Equal("owner", await RoleOfAsync(host, owner, ownerId));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: owner)).StatusCode);
    }

    [Fact]
    public async Task ADisabledOwnerDoesNotCountAsTheOwnerThatRemains()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        var secondId = await host.CreateUserAsync(owner, "second@acme.test", "owner");
        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Patch, $"/v1/users/{secondId}", new { disabled = true }, owner)).StatusCode);

        var demote = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{ownerId}", new { roles = new[] { "member" } }, owner);

        await ProblemAssert.IsProblemAsync(demote, HttpStatusCode.Conflict);
    }

    public static TheoryData<string, string?> AdminChangesOfAMember => new()
    {
        { "PATCH", "{\"disabled\":true}" },
        { "PATCH", "{\"roles\":[\"admin\"]}" },
        { "DELETE", null },
    };

    [Theory]
    [MemberData(nameof(AdminChangesOfAMember))]
    public async Task AnAdminsChangeOfAMemberWhomAnOwnerPromotesMeanwhileIsAConflictAndTheNewOwnerStays(string method, string? body)
    {
        var barrier = new StoreBarrier(armed: false);
        var target = Guid.Empty;
        await using var host = await LatchkeyTestHost.StartAsync(services: ReadBarrierUserStore.Install(barrier, () => target));
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app-001");
        target = memberId;
        barrier.Arm();

        // Note: the admin's request has read the target (a member, whom an admin may manage) and is held there.
        var adminsChange = host.SendAsync(new HttpMethod(method), $"/v1/users/{memberId}", body is null ? null : Json(body), admin);
        await barrier.Arrived;
        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { roles = new[] { "owner" } }, owner)).StatusCode);
        barrier.Release();

        await ProblemAssert.IsProblemAsync(await adminsChange, HttpStatusCode.Conflict);
        var stored = (await host.GetJsonAsync("/v1/users", owner)).EnumerateArray().Single(u => u.GetProperty("userId").GetGuid() == memberId);
        Assert.Equal("owner", stored.GetProperty("roles").EnumerateArray().Single().GetString());
        Assert.False(stored.GetProperty("disabled").GetBoolean());
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "member@acme.test", password = LatchkeyTestHost.Password, appId = "member-app-01" })).StatusCode);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[\"admin\",\"member\"]")]
    [InlineData("[\"Owner\"]")]
    [InlineData("[\"superuser\"]")]
    [InlineData("[null]")]
    public async Task RolesMustBeExactlyOneKnownRole(string roles)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");

        var create = await host.SendAsync(HttpMethod.Post, "/v1/users", Json($"{{\"login\":\"new@acme.test\",\"password\":\"{LatchkeyTestHost.Password}\",\"roles\":{roles}}}"), owner);
        var update = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", Json($"{{\"roles\":{roles}}}"), owner);

        await ProblemAssert.IsProblemAsync(create, HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(update, HttpStatusCode.BadRequest);
        Assert.Equal(2, (await host.GetJsonAsync("/v1/users", owner)).GetArrayLength());
    }

    private static object? Body(string method) => method switch
    {
        "POST" => new { login = "new@acme.test", password = LatchkeyTestHost.Password, roles = new[] { "member" }, name = "bot" },
        "PATCH" => new { roles = new[] { "member" }, disabled = true, name = "Renamed" },
        _ => null,
    };

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task<string?> RoleOfAsync(LatchkeyTestHost host, Credential viewer, Guid userId) =>
        (await host.GetJsonAsync("/v1/users", viewer)).EnumerateArray()
            .Single(u => u.GetProperty("userId").GetGuid() == userId).GetProperty("roles").EnumerateArray().Single().GetString();
}
