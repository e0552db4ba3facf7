using System.Net;

namespace Latchkey.AspNetCore.Tests;

public sealed class UserAdministrationTests
{
    [Fact]
    public async Task ACreatedUserIsListedWithItsRoleAndCanLogIn()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");

        var response = await host.SendAsync(HttpMethod.Post, "/v1/users",
            new { login = "Bob@Acme.test", password = LatchkeyTestHost.Password, roles = new[] { "admin" } }, owner);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await LatchkeyTestHost.ReadJsonAsync(response);
        var userId = created.GetProperty("userId").GetGuid();
        Assert.Equal($"/v1/users/{userId}", response.Headers.Location?.ToString());
        Assert.Equal("bob@acme.test", created.GetProperty("login").GetString());
        var listed = (await host.GetJsonAsync("/v1/users", owner)).EnumerateArray().Single(u => u.GetProperty("userId").GetGuid() == userId);
        Assert.Equal("bob@acme.test", listed.GetProperty("login").GetString());
        Assert.Equal(["admin"], listed.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.False(listed.GetProperty("disabled").GetBoolean());
        Assert.Equal(LatchkeyTestHost.Start, listed.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, listed.GetProperty("lastUsedAt").ValueKind);
        var bob = await host.LoginAsync("bob@acme.test", "bob-laptop-01");
        Assert.Equal(userId, (await host.GetJsonAsync("/v1/me", bob)).GetProperty("userId").GetGuid());
    }

    [Fact]
    public async Task TheListShowsTheLatestUseOfAnyOfAUsersSessions()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        await host.LoginAsync("member@acme.test", "member-app-01");
        host.Time.Advance(TimeSpan.FromHours(1));
        await host.LoginAsync("member@acme.test", "member-app-02");

        var member = (await host.GetJsonAsync("/v1/users", owner)).EnumerateArray().Single(u => u.GetProperty("userId").GetGuid() == memberId);

        Assert.Equal(LatchkeyTestHost.Start.AddHours(1), member.GetProperty("lastUsedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task MachineUsersAreNotHumanUsers()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        var (machineId, machine) = await host.CreateMachineUserAsync(owner, "bot");

        var list = await host.GetJsonAsync("/v1/users", owner);
        var patch = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{machineId}", new { disabled = true }, owner);
        var delete = await host.SendAsync(HttpMethod.Delete, $"/v1/users/{machineId}", credential: owner);
        var sessions = await host.SendAsync(HttpMethod.Get, $"/v1/users/{machineId}/sessions", credential: owner);

        Assert.Equal([ownerId], list.EnumerateArray().Select(u => u.GetProperty("userId").GetGuid()));
        await ProblemAssert.IsProblemAsync(patch, HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(delete, HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(sessions, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: machine)).StatusCode);
    }

    [Fact]
    public async Task CreatingAUserWithATakenLoginAnswersConflictEvenAcrossTenants()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.SignupAsync("taken@globex.test", "Globex");

        var response = await host.SendAsync(HttpMethod.Post, "/v1/users",
            new { login = "TAKEN@globex.test", password = LatchkeyTestHost.Password, roles = new[] { "member" } }, owner);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("new@acme.test", "short")]
    [InlineData("new@acme.test", "new@acme.test-and-more")]
    [InlineData("", "correct horse battery staple")]
    [InlineData(null, "correct horse battery staple")]
    public async Task CreatingAUserAnswersBadRequestGivenAnInvalidLoginOrAWeakPassword(string? login, string password)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");

        var response = await host.SendAsync(HttpMethod.Post, "/v1/users", new { login, password, roles = new[] { "member" } }, owner);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.DoesNotContain(password, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DisablingAUserMakesAllItsKeysFailOnTheNextRequest()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        var laptop = await host.LoginAsync("member@acme.test", "member-laptop");
        var phone = await host.LoginAsync("member@acme.test", "member-phone1");
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: laptop)).StatusCode);

        var response = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { disabled = true }, owner);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: laptop));
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: phone));
        var listed = (await host.GetJsonAsync("/v1/users", owner)).EnumerateArray().Single(u => u.GetProperty("userId").GetGuid() == memberId);
        Assert.True(listed.GetProperty("disabled").GetBoolean());
        Assert.Empty((await host.GetJsonAsync($"/v1/users/{memberId}/sessions", owner)).EnumerateArray());
        var login = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "member@acme.test", password = LatchkeyTestHost.Password, appId = "member-laptop" });
        await ProblemAssert.IsProblemAsync(login, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ReEnablingAUserBringsNoOldKeyBackButANewLoginWorks()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        var old = await host.LoginAsync("member@acme.test", "member-laptop");
        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { disabled = true }, owner)).StatusCode);

        var response = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { disabled = false }, owner);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: old));
        var fresh = await host.LoginAsync("member@acme.test", "member-laptop");
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: fresh)).StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: old));
    }

    [Fact]
    public async Task DeletingAUserMakesItsKeysAndItsLoginFail()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        var key = await host.LoginAsync("member@acme.test", "member-laptop");

        var response = await host.SendAsync(HttpMethod.Delete, $"/v1/users/{memberId}", credential: owner);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key));
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "member@acme.test", password = LatchkeyTestHost.Password, appId = "member-laptop" }), HttpStatusCode.Unauthorized);
        Assert.Single((await host.GetJsonAsync("/v1/users", owner)).EnumerateArray());
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Delete, $"/v1/users/{memberId}", credential: owner), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnAdminSeesAndEndsAMembersSessions()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app-001");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        var laptop = await host.LoginAsync("member@acme.test", "member-laptop");
        var phone = await host.LoginAsync("member@acme.test", "member-phone1");

        var listed = await host.SendAsync(HttpMethod.Get, $"/v1/users/{memberId}/sessions", credential: admin);
        var text = await listed.Content.ReadAsStringAsync();
        var ended = await host.SendAsync(HttpMethod.Delete, $"/v1/users/{memberId}/sessions", credential: admin);

        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.DoesNotContain(laptop.Token[7..33], text);
        Assert.Equal(
            new[] { laptop.SessionId, phone.SessionId }.Order(),
            (await LatchkeyTestHost.ReadJsonAsync(listed)).EnumerateArray().Select(s => (Guid?)s.GetProperty("id").GetGuid()).Order());
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: laptop));
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: phone));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: admin)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: owner)).StatusCode);
    }

    [Fact]
    public async Task APatchWithNothingToChangeChangesNothing()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var memberId = await host.CreateUserAsync(owner, "member@acme.test");
        var key = await host.LoginAsync("member@acme.test", "member-laptop");
        var auditBefore = (await host.AuditAsync(owner)).Count;

        var response = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { }, owner);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        Assert.Equal(auditBefore, (await host.AuditAsync(owner)).Count);
    }

    [Fact]
    public async Task TheListAndTheUserShowLockStateLastSignInAndSecondFactors()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Lockout:FreeAttempts"] = "2",
            ["Latchkey:Lockout:MaxFailures"] = "4",
            ["Latchkey:Lockout:BaseDelay"] = "00:00:10",
        });
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        var delayedId = await host.CreateUserAsync(owner, "delayed@acme.test");
        var lockedId = await host.CreateUserAsync(owner, "locked@acme.test");
        await SecondFactors.EnrolAsync(host, owner);
        for (var i = 0; i < 4; i++)
        {
            await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "locked@acme.test", password = "not the right passphrase", appId = "app-instance-9" });
            host.Time.Advance(TimeSpan.FromMinutes(1));
        }

        var delayedUntil = host.Time.GetUtcNow().AddSeconds(10);
        for (var i = 0; i < 2; i++)
        {
            await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "delayed@acme.test", password = "not the right passphrase", appId = "app-instance-9" });
        }

        var list = (await host.GetJsonAsync("/v1/users", owner)).EnumerateArray().ToDictionary(u => u.GetProperty("userId").GetGuid());
        var delayed = await host.GetJsonAsync($"/v1/users/{delayedId}", owner);
        var locked = await host.GetJsonAsync($"/v1/users/{lockedId}", owner);

        Assert.Equal(list[delayedId].ToString(), delayed.ToString());
        Assert.False(delayed.GetProperty("lockedOut").GetBoolean());
        Assert.Equal(2, delayed.GetProperty("failedAttempts").GetInt32());
        Assert.Equal(delayedUntil, delayed.GetProperty("nextAttemptAt").GetDateTimeOffset());
        Assert.True(locked.GetProperty("lockedOut").GetBoolean());
        Assert.Equal(4, locked.GetProperty("failedAttempts").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, locked.GetProperty("nextAttemptAt").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, locked.GetProperty("lastSignInAt").ValueKind);
        Assert.Empty(locked.GetProperty("secondFactors").EnumerateArray());
        Assert.False(list[ownerId].GetProperty("lockedOut").GetBoolean());
        Assert.Equal(0, list[ownerId].GetProperty("failedAttempts").GetInt32());
        Assert.Equal(LatchkeyTestHost.Start, list[ownerId].GetProperty("lastSignInAt").GetDateTimeOffset());
        Assert.Equal(["totp"], list[ownerId].GetProperty("secondFactors").EnumerateArray().Select(f => f.GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Post, $"/v1/users/{lockedId}/unlock", credential: owner)).StatusCode);
        var unlocked = await host.GetJsonAsync($"/v1/users/{lockedId}", owner);
        Assert.False(unlocked.GetProperty("lockedOut").GetBoolean());
        Assert.Equal(0, unlocked.GetProperty("failedAttempts").GetInt32());
        await host.LoginAsync("locked@acme.test", "locked-app-01");
        Assert.Equal(host.Time.GetUtcNow(), (await host.GetJsonAsync($"/v1/users/{lockedId}", owner)).GetProperty("lastSignInAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task AnotherTenantsUserAndAMachineAreNotFoundById()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var (_, _, other) = await host.CreateTenantAsync("owner@globex.test", "Globex");
        var globexMember = await host.CreateUserAsync(other, "member@globex.test");
        var (machineId, _) = await host.CreateMachineUserAsync(owner, "bot");

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, $"/v1/users/{globexMember}", credential: owner), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, $"/v1/users/{machineId}", credential: owner), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, $"/v1/users/{globexMember}/password-reset", credential: owner), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheLoginSearchFindsPartsOfLoginsInAnyCaseAndItsNextPageKeepsTheSearch()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var first = await host.CreateUserAsync(owner, "ops-one@acme.test");
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        var second = await host.CreateUserAsync(owner, "ops-two@acme.test");
        await host.CreateUserAsync(owner, "dev@acme.test");
        await host.CreateUserAsync(owner, "o%s@acme.test");

        var page = await host.SendAsync(HttpMethod.Get, "/v1/users?login=OPS-&limit=1", credential: owner);
        var next = page.Headers.GetValues("Link").Single();
        var rest = await host.GetJsonAsync(next[1..next.IndexOf('>')], owner);
        var percent = await host.GetJsonAsync("/v1/users?login=%25", owner);

        Assert.Equal([second], (await LatchkeyTestHost.ReadJsonAsync(page)).EnumerateArray().Select(u => u.GetProperty("userId").GetGuid()));
        Assert.Contains("login=OPS-", next);
        Assert.Equal([first], rest.EnumerateArray().Select(u => u.GetProperty("userId").GetGuid()));
        Assert.Equal(["o%s@acme.test"], percent.EnumerateArray().Select(u => u.GetProperty("login").GetString()));
    }

    [Fact]
    public async Task AnAdminSendsAPersonAPasswordResetMailThroughTheQueueAndItIsAudited()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var (_, aliceId) = await host.SignupAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);
        var alice = await host.LoginAsync("alice@example.com", "alice-app-01");
        var bob = await host.CreateUserAsync(alice, "bob@example.com", "admin");
        var bobKey = await host.LoginAsync("bob@example.com", "bob-app-01");
        var carol = await host.CreateUserAsync(alice, "carol@example.com");

        var sent = await host.SendAsync(HttpMethod.Post, $"/v1/users/{aliceId}/password-reset", credential: alice);
        var noAddress = await host.SendAsync(HttpMethod.Post, $"/v1/users/{carol}/password-reset", credential: alice);
        var adminOnOwner = await host.SendAsync(HttpMethod.Post, $"/v1/users/{aliceId}/password-reset", credential: bobKey);

        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        await ProblemAssert.IsProblemAsync(noAddress, HttpStatusCode.Conflict);
        await ProblemAssert.IsProblemAsync(adminOnOwner, HttpStatusCode.Forbidden);
        var messages = await smtp.WaitForAsync(2);
        Assert.StartsWith("https://auth.example.com/reset-password#token=lk_reset_", TestSmtpServer.Link(messages[1]));
        Assert.Equal("alice@example.com", messages[1].To.Mailboxes.Single().Address);
        var audit = await host.AuditAsync(alice);
        Assert.Contains(audit, e => e.GetProperty("event").GetString() == "password.reset_requested"
            && e.GetProperty("detail").GetString() == "by an admin" && e.GetProperty("actorUserId").GetGuid() == aliceId);
        Assert.NotEqual(bob, aliceId);
    }
}
