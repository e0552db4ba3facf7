using System.Net;
using System.Text.Json;

namespace Latchkey.AspNetCore.Tests;

public sealed class TenantIsolationTests
{
    [Fact]
    public async Task EverythingAnotherTenantsOwnerTriesOnThisTenantsIdsAnswersNotFoundAndChangesNothing()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, aOwnerId, aOwner) = await host.CreateTenantAsync("owner@a.test", "A");
        var aMemberId = await host.CreateUserAsync(aOwner, "member@a.test");
        var aMember = await host.LoginAsync("member@a.test", "member-app-01");
        var aAdminId = await host.CreateUserAsync(aOwner, "admin@a.test", "admin");
        var (aMachineId, aMachine) = await host.CreateMachineUserAsync(aOwner, "a-bot", "deploy");
        var (_, _, bOwner) = await host.CreateTenantAsync("owner@b.test", "B");
        await host.CreateUserAsync(bOwner, "admin@b.test", "admin");
        var bAdmin = await host.LoginAsync("admin@b.test", "b-admin-app-1");
        var usersBefore = await UsersOfAsync(host, aOwner);
        var auditBefore = await host.AuditAsync(aOwner);

        (HttpMethod Method, string Path, object? Body)[] attempts =
        [
            (HttpMethod.Patch, $"/v1/users/{aMemberId}", new { roles = new[] { "admin" } }),
            (HttpMethod.Patch, $"/v1/users/{aMemberId}", new { disabled = true }),
            (HttpMethod.Patch, $"/v1/users/{aOwnerId}", new { roles = new[] { "member" } }),
            (HttpMethod.Patch, $"/v1/users/{aAdminId}", new { disabled = true }),
            (HttpMethod.Delete, $"/v1/users/{aMemberId}", null),
            (HttpMethod.Delete, $"/v1/users/{aOwnerId}", null),
            (HttpMethod.Get, $"/v1/users/{aMemberId}/sessions", null),
            (HttpMethod.Delete, $"/v1/users/{aMemberId}/sessions", null),
            (HttpMethod.Delete, $"/v1/users/{aOwnerId}/sessions", null),
            (HttpMethod.Post, $"/v1/users/{aMemberId}/unlock", null),
            (HttpMethod.Delete, $"/v1/sessions/{aOwner.SessionId}", null),
            (HttpMethod.Delete, $"/v1/sessions/{aMember.SessionId}", null),
            (HttpMethod.Post, $"/v1/machine-users/{aMachineId}/token", null),
            (HttpMethod.Delete, $"/v1/machine-users/{aMachineId}", null),
            (HttpMethod.Patch, $"/v1/users/{aMachineId}", new { disabled = true }),
            (HttpMethod.Delete, $"/v1/users/{aMachineId}", null),
            (HttpMethod.Get, $"/v1/audit?before={auditBefore[0].GetProperty("id").GetGuid()}", null),
        ];
        foreach (var caller in new[] { bOwner, bAdmin })
        {
            foreach (var (method, path, body) in attempts)
            {
                var response = await host.SendAsync(method, path, body, caller);

                if (method == HttpMethod.Get && path.StartsWith("/v1/audit", StringComparison.Ordinal))
                {
                    // Note: a cursor is not an object to find; another tenant's simply pages nothing of this one.
                    Assert.Empty((await LatchkeyTestHost.ReadJsonAsync(response)).GetProperty("entries").EnumerateArray());
                    continue;
                }

                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered {(int)response.StatusCode}");
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
            }
        }

        var bUsers = await host.GetJsonAsync("/v1/users", bOwner);
        var bMachines = await host.GetJsonAsync("/v1/machine-users", bOwner);
        var bAudit = await host.AuditAsync(bOwner);
        var bTenant = await host.GetJsonAsync("/v1/tenant", bOwner);
        var seenByB = string.Join("\n", bUsers, bMachines, JsonSerializer.Serialize(bAudit), bTenant);
        foreach (var id in new[] { aOwnerId, aMemberId, aAdminId, aMachineId })
        {
            Assert.DoesNotContain(id.ToString(), seenByB, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal("B", bTenant.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: aOwner)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: aMember)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: aMachine)).StatusCode);
        Assert.Equal(usersBefore, await UsersOfAsync(host, aOwner));
        Assert.Single((await host.GetJsonAsync($"/v1/users/{aMemberId}/sessions", aOwner)).EnumerateArray());
        Assert.Single((await host.GetJsonAsync("/v1/machine-users", aOwner)).EnumerateArray());
        Assert.Equal(
            auditBefore.Select(e => e.GetProperty("id").GetGuid()),
            (await host.AuditAsync(aOwner)).Select(e => e.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task ListsShowOnlyTheCallersOwnTenant()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, aOwnerId, aOwner) = await host.CreateTenantAsync("owner@a.test", "A");
        var aMemberId = await host.CreateUserAsync(aOwner, "member@a.test");
        var (_, bOwnerId, bOwner) = await host.CreateTenantAsync("owner@b.test", "B");

        var aUsers = (await host.GetJsonAsync("/v1/users", aOwner)).EnumerateArray().Select(u => u.GetProperty("userId").GetGuid());
        var bUsers = (await host.GetJsonAsync("/v1/users", bOwner)).EnumerateArray().Select(u => u.GetProperty("userId").GetGuid());

        Assert.Equal(new[] { aOwnerId, aMemberId }.Order(), aUsers.Order());
        Assert.Equal([bOwnerId], bUsers);
        Assert.Equal("A", (await host.GetJsonAsync("/v1/tenant", aOwner)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task LoggingInWhileCarryingAnotherTenantsKeyOpensASessionInTheLoginsOwnTenant()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, aOwner) = await host.CreateTenantAsync("owner@a.test", "A");
        var (bTenantId, bOwnerId, bOwner) = await host.CreateTenantAsync("owner@b.test", "B");

        // Note: a browser still holding A's cookie, say, while someone logs in as B's owner.
        var response = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "owner@b.test", password = LatchkeyTestHost.Password, appId = "b-second-app" }, aOwner);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var key = new Credential((await LatchkeyTestHost.ReadJsonAsync(response)).GetProperty("apiKey").GetString()!, "b-second-app", null);
        var me = await host.GetJsonAsync("/v1/me", key);
        Assert.Equal(bTenantId, me.GetProperty("tenantId").GetGuid());
        Assert.Equal(bOwnerId, me.GetProperty("userId").GetGuid());
        Assert.Equal(2, (await host.GetJsonAsync($"/v1/users/{bOwnerId}/sessions", bOwner)).GetArrayLength());
        Assert.DoesNotContain(await host.AuditAsync(aOwner), e => e.GetProperty("subjectUserId").GetGuid() == bOwnerId);
    }

    // Note: roles, disabled flags and sessions' last use, as the tenant's owner sees them.
    private static async Task<string> UsersOfAsync(LatchkeyTestHost host, Credential owner) =>
        (await host.GetJsonAsync("/v1/users", owner)).ToString();
}
