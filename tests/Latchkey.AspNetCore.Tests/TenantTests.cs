using System.Net;
using System.Text.RegularExpressions;

namespace Latchkey.AspNetCore.Tests;

public sealed class TenantTests
{
    [Fact]
    public async Task AnAdminReadsAndChangesTheTenantsOwnData()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (tenantId, _, owner) = await host.CreateTenantAsync("owner@acme.test", "Acme");
        await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app-001");

        var before = await host.GetJsonAsync("/v1/tenant", admin);
        var patch = await host.SendAsync(HttpMethod.Patch, "/v1/tenant", new { name = "Acme Holdings", contactEmail = "security@acme.test" }, admin);
        var after = await host.GetJsonAsync("/v1/tenant", owner);

        Assert.Equal(tenantId, before.GetProperty("tenantId").GetGuid());
        Assert.Equal("Acme", before.GetProperty("name").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("contactEmail").ValueKind);
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("Acme Holdings", (await LatchkeyTestHost.ReadJsonAsync(patch)).GetProperty("name").GetString());
        Assert.Equal("Acme Holdings", after.GetProperty("name").GetString());
        Assert.Equal("security@acme.test", after.GetProperty("contactEmail").GetString());
    }

    [Fact]
    public async Task APatchChangesOnlyTheFieldsGivenAndAnEmptyContactEmailClearsIt()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test", "Acme");
        await host.SendAsync(HttpMethod.Patch, "/v1/tenant", new { contactEmail = "security@acme.test" }, owner);

        var renamed = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Patch, "/v1/tenant", new { name = "Acme 2" }, owner));
        var cleared = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Patch, "/v1/tenant", new { contactEmail = "" }, owner));

        Assert.Equal("security@acme.test", renamed.GetProperty("contactEmail").GetString());
        Assert.Equal("Acme 2", cleared.GetProperty("name").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cleared.GetProperty("contactEmail").ValueKind);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData(null, "not an address")]
    [InlineData(null, "@acme.test")]
    [InlineData(null, "two@at@acme.test")]
    public async Task APatchAnswersBadRequestGivenAnEmptyNameOrAnInvalidContactEmail(string? name, string? contactEmail)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test", "Acme");

        var response = await host.SendAsync(HttpMethod.Patch, "/v1/tenant", new { name, contactEmail }, owner);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("Acme", (await host.GetJsonAsync("/v1/tenant", owner)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task LoginAndAuthenticatedRequestsNeverTouchTheTenantsTable()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test", "Acme");
        var (_, machine) = await host.CreateMachineUserAsync(owner, "bot", "x");
        host.Logs.Clear();

        var key = await host.LoginAsync("owner@acme.test", "owner-app-0002");
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/sessions", credential: key)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: machine)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/integrator/x", credential: machine)).StatusCode);
        var authenticationPath = Commands(host);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/tenant", credential: key)).StatusCode);
        var tenantEndpoint = Commands(host).Skip(authenticationPath.Count).ToList();

        Assert.NotEmpty(authenticationPath);
        Assert.All(authenticationPath, c => Assert.DoesNotMatch(TenantsTable, c));
        Assert.Contains(tenantEndpoint, c => TenantsTable.IsMatch(c));
    }

    // Note: the table's name as an identifier; tenant_id columns do not match.
    private static readonly Regex TenantsTable = new("\\btenants\\b", RegexOptions.IgnoreCase);

    private static List<string> Commands(LatchkeyTestHost host) => host.Logs.GetSnapshot()
        .Where(LatchkeyTestHost.IsExecutedCommand)
        .Select(r => r.Message)
        .ToList();
}
