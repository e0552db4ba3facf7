using System.Net;
using System.Text.Json;

namespace Latchkey.AspNetCore.Tests;

public sealed class AuditTests
{
    [Fact]
    public async Task EverySecurityEventShowsUpInItsOwnTenantsAuditLogOnly()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (aTenantId, aOwnerId, aOwner) = await host.CreateTenantAsync("owner@a.test", "A");
        var (_, bOwnerId, bOwner) = await host.CreateTenantAsync("owner@b.test", "B");

        var memberId = await host.CreateUserAsync(aOwner, "member@a.test");
        var member = await host.LoginAsync("member@a.test", "member-app-01");
        var memberPhone = await host.LoginAsync("member@a.test", "member-phone1");
        await Ok(host.SendAsync(HttpMethod.Delete, $"/v1/sessions/{memberPhone.SessionId}", credential: member));
        await Ok(host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = LatchkeyTestHost.Password, newPassword = "a new long passphrase 2026" }, member));
        await Ok(host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "member@a.test", password = "wrong password, long enough", appId = "member-app-02" }), HttpStatusCode.Unauthorized);
        await Ok(host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "nobody@a.test", password = "wrong password, long enough", appId = "member-app-02" }), HttpStatusCode.Unauthorized);
        await Ok(host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { roles = new[] { "admin" } }, aOwner));
        await Ok(host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { disabled = true }, aOwner));
        await Ok(host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { disabled = false }, aOwner));
        await Ok(host.SendAsync(HttpMethod.Delete, $"/v1/users/{memberId}/sessions", credential: aOwner));
        await Ok(host.SendAsync(HttpMethod.Delete, $"/v1/users/{memberId}", credential: aOwner));
        var (machineId, _) = await host.CreateMachineUserAsync(aOwner, "deploy-bot", "deploy");
        await Ok(host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{machineId}/token", credential: aOwner), HttpStatusCode.Created);
        await Ok(host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{machineId}", credential: aOwner));
        await Ok(host.SendAsync(HttpMethod.Patch, "/v1/tenant", new { contactEmail = "security@a.test" }, aOwner), HttpStatusCode.OK);

        var aLog = await WaitForAsync(host, aOwner, "login.failed");
        var bLog = await host.AuditAsync(bOwner);

        string[] expected =
        [
            "signup", "login.succeeded", "login.failed", "session.created", "session.revoked", "password.changed",
            "machine_user.created", "machine_user.token_rotated", "machine_user.deleted", "user.created",
            "user.role_changed", "user.disabled", "user.enabled", "user.deleted", "tenant.updated",
        ];
        Assert.Equal(expected.Order(), aLog.Select(Event).Distinct().Order());
        Assert.Equal(["session.created", "login.succeeded", "signup"], bLog.Select(Event));
        Assert.All(bLog, e => Assert.Equal(bOwnerId, e.GetProperty("subjectUserId").GetGuid()));
        var bText = JsonSerializer.Serialize(bLog);
        Assert.DoesNotContain(aOwnerId.ToString(), bText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(memberId.ToString(), bText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(aTenantId.ToString(), bText, StringComparison.OrdinalIgnoreCase);

        var failed = Assert.Single(aLog, e => Event(e) == "login.failed");
        Assert.Equal(memberId, failed.GetProperty("subjectUserId").GetGuid());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("actorUserId").ValueKind);
        Assert.Equal("wrong_password", failed.GetProperty("detail").GetString());
        Assert.Equal("member-app-02", failed.GetProperty("appId").GetString());

        var roleChange = Assert.Single(aLog, e => Event(e) == "user.role_changed");
        Assert.Equal(aOwnerId, roleChange.GetProperty("actorUserId").GetGuid());
        Assert.Equal(memberId, roleChange.GetProperty("subjectUserId").GetGuid());
        Assert.Equal("member -> admin", roleChange.GetProperty("detail").GetString());
        Assert.Equal(aOwner.AppId, roleChange.GetProperty("appId").GetString());
        Assert.Equal(LatchkeyTestHost.ClientIp, roleChange.GetProperty("ip").GetString());
        Assert.Equal(LatchkeyTestHost.Start, roleChange.GetProperty("at").GetDateTimeOffset());

        var revokedByAdmin = aLog.Where(e => Event(e) == "session.revoked").ToList();
        Assert.Contains(revokedByAdmin, e => e.GetProperty("actorUserId").GetGuid() == memberId && e.GetProperty("subjectUserId").GetGuid() == memberId);
        Assert.Contains(revokedByAdmin, e => e.GetProperty("actorUserId").GetGuid() == aOwnerId && e.GetProperty("subjectUserId").GetGuid() == memberId);
        Assert.Equal("deploy-bot (scopes: deploy)", Assert.Single(aLog, e => Event(e) == "machine_user.created").GetProperty("detail").GetString());
        Assert.DoesNotContain(aLog, e => e.GetProperty("detail").GetString()?.Contains("nobody", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task AFailedLoginForALoginThatMatchesNoUserIsRecordedInNoTenant()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "nobody@acme.test", password = "wrong password, long enough", appId = "app-instance-9" });
        await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "owner@acme.test", password = "wrong password, long enough", appId = "app-instance-9" });

        var log = await WaitForAsync(host, owner, "login.failed");

        var failed = Assert.Single(log, e => Event(e) == "login.failed");
        Assert.Equal(ownerId, failed.GetProperty("subjectUserId").GetGuid());
    }

    [Fact]
    public async Task TheReasonOfAFailedLoginStaysInTheLogAndNeverReachesTheClient()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        await Ok(host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { disabled = true }, owner));

        var disabled = await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "member@acme.test", password = LatchkeyTestHost.Password, appId = "app-instance-9" });
        var unknown = await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "nobody@acme.test", password = LatchkeyTestHost.Password, appId = "app-instance-9" });

        var log = await WaitForAsync(host, owner, "login.failed");
        Assert.Equal("disabled", Assert.Single(log, e => Event(e) == "login.failed").GetProperty("detail").GetString());
        var a = await LatchkeyTestHost.ReadJsonAsync(disabled);
        var b = await LatchkeyTestHost.ReadJsonAsync(unknown);
        Assert.Equal(b.GetProperty("detail").GetString(), a.GetProperty("detail").GetString());
        Assert.DoesNotContain("disabled", a.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TheLogIsNewestFirstAndPagesByLimitAndBefore()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        for (var i = 0; i < 4; i++)
        {
            await host.CreateUserAsync(owner, $"user{i}@acme.test");
        }

        var all = await host.AuditAsync(owner);
        var first = await host.GetJsonAsync("/v1/audit?limit=3", owner);
        var second = await host.GetJsonAsync($"/v1/audit?limit=3&before={first.GetProperty("nextBefore").GetGuid()}", owner);
        var third = await host.GetJsonAsync($"/v1/audit?limit=3&before={second.GetProperty("nextBefore").GetGuid()}", owner);

        Assert.Equal(7, all.Count);
        Assert.Equal(["user.created", "user.created", "user.created", "user.created", "session.created", "login.succeeded", "signup"], all.Select(Event));
        Assert.Equal(
            all.Select(e => e.GetProperty("id").GetGuid()),
            new[] { first, second, third }.SelectMany(p => p.GetProperty("entries").EnumerateArray()).Select(e => e.GetProperty("id").GetGuid()));
        Assert.Equal(JsonValueKind.Null, third.GetProperty("nextBefore").ValueKind);
    }

    [Fact]
    public async Task TheLogFiltersByEventAcrossPages()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync("owner@a.test");
        for (var i = 0; i < 3; i++)
        {
            await host.LoginAsync("owner@a.test", $"owner-app-{i:D4}");
            await host.CreateMachineUserAsync(owner, $"bot-{i}");
        }

        var first = await host.GetJsonAsync("/v1/audit?event=machine_user.created&limit=2", owner);
        var next = first.GetProperty("nextBefore").GetGuid();
        var second = await host.GetJsonAsync($"/v1/audit?event=machine_user.created&limit=2&before={next}", owner);
        var tooLong = await host.SendAsync(HttpMethod.Get, $"/v1/audit?event={new string('x', 65)}", credential: owner);

        var events = first.GetProperty("entries").EnumerateArray().Concat(second.GetProperty("entries").EnumerateArray())
            .Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Equal(Enumerable.Repeat("machine_user.created", 3), events);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextBefore").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    [Fact]
    public async Task ThePageSizeDefaultsToFiftyAndIsAtMostTwoHundred()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        for (var i = 0; i < 25; i++)
        {
            await host.SendAsync(HttpMethod.Delete, "/v1/sessions", credential: owner);
            owner = await host.LoginAsync("owner@acme.test", "owner-app-0001");
        }

        var page = await host.GetJsonAsync("/v1/audit", owner);

        Assert.Equal(50, page.GetProperty("entries").GetArrayLength());
        Assert.Equal(JsonValueKind.String, page.GetProperty("nextBefore").ValueKind);
        Assert.Equal(78, (await host.GetJsonAsync("/v1/audit?limit=200", owner)).GetProperty("entries").GetArrayLength());
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, "/v1/audit?limit=201", credential: owner), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, "/v1/audit?limit=0", credential: owner), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, "/v1/audit?before=nope", credential: owner), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task TheLogFiltersByActorAndDateRangeAndNamesTheDevice()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateUserAsync(owner, "early@acme.test");
        host.Time.Advance(TimeSpan.FromHours(2));
        var middle = LatchkeyTestHost.Start + TimeSpan.FromHours(1);
        var lateId = await host.CreateUserAsync(owner, "late@acme.test");
        var late = await host.LoginAsync("late@acme.test", "late-laptop-1");

        var window = await host.GetJsonAsync($"/v1/audit?event=user.created&from={Uri.EscapeDataString(middle.ToString("O"))}", owner);
        var byLate = await host.GetJsonAsync($"/v1/audit?actor={lateId}", owner);
        var sameInIndia = await host.GetJsonAsync($"/v1/audit?event=user.created&from={Uri.EscapeDataString(middle.ToOffset(TimeSpan.FromHours(5.5)).ToString("O"))}", owner);
        var before = await host.GetJsonAsync($"/v1/audit?to={Uri.EscapeDataString(middle.ToString("O"))}", owner);

        var created = Assert.Single(window.GetProperty("entries").EnumerateArray());
        Assert.Equal(created.GetProperty("id").GetGuid(), Assert.Single(sameInIndia.GetProperty("entries").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(lateId, created.GetProperty("subjectUserId").GetGuid());
        Assert.All(byLate.GetProperty("entries").EnumerateArray(), e => Assert.Equal(lateId, e.GetProperty("actorUserId").GetGuid()));
        Assert.Equal(["session.created", "login.succeeded"], byLate.GetProperty("entries").EnumerateArray().Select(Event));
        Assert.Equal("tests", byLate.GetProperty("entries")[0].GetProperty("appName").GetString());
        Assert.All(before.GetProperty("entries").EnumerateArray(), e => Assert.True(e.GetProperty("at").GetDateTimeOffset() < middle));
        Assert.Contains(before.GetProperty("entries").EnumerateArray(), e => e.GetProperty("actorUserId").GetGuid() == ownerId);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get,
            $"/v1/audit?from={Uri.EscapeDataString(middle.ToString("O"))}&to={Uri.EscapeDataString(middle.ToString("O"))}", credential: owner), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, "/v1/audit?from=yesterday", credential: owner), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, "/v1/audit?actor=nobody", credential: owner), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.SendAsync(HttpMethod.Get, "/v1/audit/export", credential: late)).StatusCode);
    }

    [Fact]
    public async Task TheExportIsTheFilteredViewAsCsvAndIsItselfAudited()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateMachineUserAsync(owner, "=HYPERLINK(\"http://x.test\")", "deploy");
        await host.CreateUserAsync(owner, "member@acme.test");

        var response = await host.SendAsync(HttpMethod.Get, "/v1/audit/export?event=machine_user.created", credential: owner);
        var csv = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("at,event,actor_user_id,subject_user_id,app_id,app_name,ip,detail,operator", lines[0]);
        var row = Assert.Single(lines.Skip(1));
        Assert.StartsWith("2026-01-01T09:00:00Z,machine_user.created," + ownerId + ",", row, StringComparison.Ordinal);
        Assert.Contains(",\"'=HYPERLINK(\"\"http://x.test\"\") (scopes: deploy)\",", row, StringComparison.Ordinal);
        Assert.Contains(",owner-app-0001,tests,", row, StringComparison.Ordinal);
        var exported = Assert.Single(await host.AuditAsync(owner), e => Event(e) == "audit.exported");
        Assert.Equal("event=machine_user.created", exported.GetProperty("detail").GetString());
        Assert.Equal(ownerId, exported.GetProperty("actorUserId").GetGuid());
    }

    private static string Event(JsonElement entry) => entry.GetProperty("event").GetString()!;

    private static async Task Ok(Task<HttpResponseMessage> call, HttpStatusCode expected = HttpStatusCode.NoContent) =>
        Assert.Equal(expected, (await call).StatusCode);

    /// <summary>The log once <paramref name="eventName"/> is in it: failed logins are written in the background.</summary>
    private static async Task<List<JsonElement>> WaitForAsync(LatchkeyTestHost host, Credential admin, string eventName)
    {
        for (var i = 0; i < 1000; i++)
        {
            var log = await host.AuditAsync(admin);
            if (log.Any(e => Event(e) == eventName))
            {
                return log;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"{eventName} was never recorded");
    }
}
