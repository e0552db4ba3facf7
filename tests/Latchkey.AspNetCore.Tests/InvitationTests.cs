using System.Net;

namespace Latchkey.AspNetCore.Tests;

/// <summary>Invitations by e-mail, end to end through a real SMTP server.</summary>
public sealed class InvitationTests
{
    private const string BobsPassword = "bob chooses his own passphrase";

    [Fact]
    public async Task AnInvitedPersonAcceptsOnceAndSignsInWithTheInvitedRoleAndAVerifiedAddress()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var (tenantId, _, owner) = await host.CreateTenantAsync("alice");

        var created = await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email = "Bob@Example.COM", role = "admin" }, owner);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await LatchkeyTestHost.ReadJsonAsync(created);
        Assert.Equal(LatchkeyTestHost.Start + TimeSpan.FromDays(7), body.GetProperty("expiresAt").GetDateTimeOffset());
        var pending = (await host.GetJsonAsync("/v1/invitations", owner)).EnumerateArray().Single();
        Assert.Equal(body.GetProperty("id").GetGuid(), pending.GetProperty("id").GetGuid());
        Assert.Equal("Bob@example.com", pending.GetProperty("email").GetString());

        var message = (await smtp.WaitForAsync(1)).Single();
        Assert.Contains("Acme", message.Subject);
        Assert.StartsWith("https://auth.example.com/accept-invitation#token=lk_invite_", TestSmtpServer.Link(message));
        var token = TestSmtpServer.Token(message);
        var accepted = await host.SendAsync(HttpMethod.Post, "/v1/invitations/accept", new { token, password = BobsPassword });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var person = await LatchkeyTestHost.ReadJsonAsync(accepted);
        Assert.Equal(tenantId, person.GetProperty("tenantId").GetGuid());

        var bob = await host.LoginAsync("bob@example.com", "bob-app-0001", BobsPassword);
        var me = await host.GetJsonAsync("/v1/me", bob);
        Assert.Equal(person.GetProperty("userId").GetGuid(), me.GetProperty("userId").GetGuid());
        Assert.Equal("admin", me.GetProperty("roles")[0].GetString());
        Assert.Equal("Bob@example.com", me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
        Assert.Empty((await host.GetJsonAsync("/v1/invitations", owner)).EnumerateArray());
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/invitations/accept", new { token, password = BobsPassword }), HttpStatusCode.BadRequest);
        var events = (await host.AuditAsync(owner)).Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Contains("invitation.created", events);
        Assert.Contains("invitation.accepted", events);
    }

    [Fact]
    public async Task TheRoleRulesOfAddingAPersonApply()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var (_, _, owner) = await host.CreateTenantAsync("alice");
        await host.CreateUserAsync(owner, "carol", "admin");
        await host.CreateUserAsync(owner, "dave", "member");
        var admin = await host.LoginAsync("carol", "carol-app-001");
        var member = await host.LoginAsync("dave", "dave-app-0001");

        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email = "x@example.com", role = "owner" }, admin), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email = "x@example.com", role = "member" }, member)).StatusCode);
        Assert.Equal(HttpStatusCode.Created,
            (await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email = "x@example.com", role = "admin" }, admin)).StatusCode);
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email = "x@example.com\r\nBcc: y@example.com", role = "member" }, owner),
            HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email = "x@example.com", role = "king" }, owner), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ARevokedOrExpiredInvitationIsRefusedWithOneProblem()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var (_, _, owner) = await host.CreateTenantAsync("alice");
        var revoked = await LatchkeyTestHost.ReadJsonAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email = "bob@example.com", role = "member" }, owner));
        await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email = "carol@example.com", role = "member" }, owner);
        await smtp.WaitForAsync(2);

        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Delete, $"/v1/invitations/{revoked.GetProperty("id").GetGuid()}", credential: owner)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await host.SendAsync(HttpMethod.Delete, $"/v1/invitations/{revoked.GetProperty("id").GetGuid()}", credential: owner)).StatusCode);
        var first = await host.SendAsync(HttpMethod.Post, "/v1/invitations/accept",
            new { token = TestSmtpServer.Token(smtp.LastTo("bob@example.com")), password = BobsPassword });
        host.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        var second = await host.SendAsync(HttpMethod.Post, "/v1/invitations/accept",
            new { token = TestSmtpServer.Token(smtp.LastTo("carol@example.com")), password = BobsPassword });

        await ProblemAssert.IsProblemAsync(first, HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.BadRequest);
        Assert.Equal(EmailTests.WithoutTraceId(await first.Content.ReadAsStringAsync()), EmailTests.WithoutTraceId(await second.Content.ReadAsStringAsync()));
        // Note: a week on, the owner's session has idled out; a fresh one sees that nobody was created.
        Assert.Single((await host.GetJsonAsync("/v1/users", await host.LoginAsync("alice", "owner-app-0002"))).EnumerateArray());
    }

    [Fact]
    public async Task ALoginTakenMeanwhileIsAConflictAndNothingIsCreated()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var (_, _, owner) = await host.CreateTenantAsync("alice");
        await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email = "bob@example.com", role = "member" }, owner);
        var token = TestSmtpServer.Token((await smtp.WaitForAsync(1)).Single());
        await host.SignupAsync("bob@example.com", "Bob's own");

        var accepted = await host.SendAsync(HttpMethod.Post, "/v1/invitations/accept", new { token, password = BobsPassword });

        await ProblemAssert.IsProblemAsync(accepted, HttpStatusCode.Conflict);
        Assert.Single((await host.GetJsonAsync("/v1/users", owner)).EnumerateArray());
        Assert.Single((await host.GetJsonAsync("/v1/invitations", owner)).EnumerateArray());
    }
}
