using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Tests;

/// <summary>Credential changes win every race with logins, rehashes and revocations, and are audited with them.</summary>
public sealed class CredentialIntegrityTests
{
    private const string NewPassword = "a brand new passphrase nobody knows";

    private static Task<HttpResponseMessage> LoginAsync(LatchkeyTestHost host, string password, string appId) =>
        host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "alice@example.com", password, appId });

    private static Task<HttpResponseMessage> ChangePasswordAsync(LatchkeyTestHost host, Credential credential) =>
        host.SendAsync(HttpMethod.Put, "/v1/me/password", new { currentPassword = LatchkeyTestHost.Password, newPassword = NewPassword }, credential);

    [Fact]
    public async Task ARehashOnLoginNeverUndoesAPasswordChangeThatCommittedWhileItWasVerifying()
    {
        // Note: two servers on one database: the second hashes with stronger parameters, so its logins rehash.
        await using var current = await LatchkeyTestHost.StartAsync();
        await current.SignupAsync("alice@example.com");
        var alice = await current.LoginAsync("alice@example.com", "app-instance-1");
        var barrier = new StoreBarrier();
        await using var upgraded = await LatchkeyTestHost.StartAsync(
            new Dictionary<string, string?> { ["Latchkey:Passwords:Argon2Iterations"] = "2" },
            services: RehashBarrierUserStore.Install(barrier), sameDatabaseAs: current);

        var rehashingLogin = LoginAsync(upgraded, LatchkeyTestHost.Password, "app-instance-2");
        await barrier.Arrived;
        Assert.Equal(HttpStatusCode.NoContent, (await ChangePasswordAsync(current, alice)).StatusCode);
        barrier.Release();
        await rehashingLogin;

        await ProblemAssert.IsUnauthorizedAsync(await LoginAsync(current, LatchkeyTestHost.Password, "app-instance-3"), credentialPresented: false);
        Assert.Equal(HttpStatusCode.Created, (await LoginAsync(current, NewPassword, "app-instance-4")).StatusCode);
    }

    [Fact]
    public async Task ALoginVerifiedBeforeAPasswordChangeDoesNotOutliveIt()
    {
        // Note: the late login is held in the hasher, with the old verifier and credential version already read: the
        // change commits while it verifies. (Held any later, the login's own transaction holds the write lock the change
        // needs: the attempt's end, the session and the audit commit together.)
        var hasher = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(services: hasher.Register);
        await host.SignupAsync("alice@example.com");
        var alice = await host.LoginAsync("alice@example.com", "app-instance-1");
        var release = new TaskCompletionSource();
        hasher.Hold = release;

        var lateLogin = LoginAsync(host, LatchkeyTestHost.Password, "app-late-login");
        await hasher.Held.Task;
        Assert.Equal(HttpStatusCode.NoContent, (await ChangePasswordAsync(host, alice)).StatusCode);
        release.SetResult();
        var late = await lateLogin;

        // Note: the login may still answer 201; what matters is that its key works nowhere.
        if (late.StatusCode == HttpStatusCode.Created)
        {
            var body = await LatchkeyTestHost.ReadJsonAsync(late);
            var key = new Credential(body.GetProperty("apiKey").GetString()!, "app-late-login", null);
            await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key));
        }

        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: alice)).StatusCode);
    }

    [Fact]
    public async Task AnAdminCannotUnlockAnOwnerButAnOwnerCanUnlockAnAdmin()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@acme.test");
        var adminId = await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app-001");

        var adminUnlocksOwner = await host.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/unlock", credential: admin);
        var ownerUnlocksAdmin = await host.SendAsync(HttpMethod.Post, $"/v1/users/{adminId}/unlock", credential: owner);

        await ProblemAssert.IsProblemAsync(adminUnlocksOwner, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, ownerUnlocksAdmin.StatusCode);
        Assert.DoesNotContain(await host.AuditAsync(owner), e => e.GetProperty("event").GetString() == "user.unlocked"
            && e.GetProperty("subjectUserId").GetGuid() == ownerId);
    }

    [Theory]
    [InlineData("straße@example.com", "STRASSE@example.com")]
    [InlineData("ΟΔΥΣΣΕΥΣ@example.com", "οδυσσευς@example.com")]
    [InlineData("ﬁnance@example.com", "FINANCE@example.com")]
    public async Task ALoginThatLooksTheSameAfterCaseFoldingIsTaken(string first, string second)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync(first);

        var again = await host.SendAsync(HttpMethod.Post, "/v1/signup", new { tenant = "Other", login = second, password = LatchkeyTestHost.Password });

        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = second, password = LatchkeyTestHost.Password, appId = "app-instance-1" })).StatusCode);
    }

    [Theory]
    [InlineData("123456789012345")]
    [InlineData("aaaaaaaaaaaaaaaa")]
    [InlineData("passwordpassword")]
    [InlineData("qwertyuiopasdfghjkl")]
    [InlineData("sunshine12345678")]
    public async Task SignupRefusesALongPasswordThatACrackerTriesEarly(string password)
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var response = await host.SendAsync(HttpMethod.Post, "/v1/signup", new { tenant = "Acme", login = "alice@example.com", password });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Too common", body);
        Assert.DoesNotContain(password, body);
    }

    [Fact]
    public async Task ADatabaseErrorThatIsABugAnswers500NotServiceUnavailable()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        await host.ExecuteSqlAsync("DROP TABLE audit_log;");

        var response = await host.SendAsync(HttpMethod.Get, "/v1/audit", credential: owner);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.Null(response.Headers.RetryAfter);
        Assert.Contains(host.Logs.GetSnapshot(), r => r.Level == LogLevel.Error && r.Exception is not null);
    }

    [Theory]
    [InlineData("/v1/me")]
    [InlineData("/v1/sessions")]
    [InlineData("/v1/users")]
    [InlineData("/v1/tenant")]
    [InlineData("/v1/audit")]
    [InlineData("/v1/machine-users")]
    public async Task AnAuthenticatedResponseIsNeverStoredByACache(string path)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");

        var response = await host.SendAsync(HttpMethod.Get, path, credential: owner);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"{path} must answer Cache-Control: no-store");
    }

    [Fact]
    public async Task AChangeAndItsAuditEntryCommitTogetherOrNotAtAll()
    {
        var storageDies = new FailingAuditStore.Switch();
        await using var host = await LatchkeyTestHost.StartAsync(services: FailingAuditStore.Install(storageDies));
        var (_, _, owner) = await host.CreateTenantAsync("owner@acme.test");
        var phone = await host.LoginAsync("owner@acme.test", "owner-phone-01");

        storageDies.On = true;
        var revoke = await host.SendAsync(HttpMethod.Delete, $"/v1/sessions/{phone.SessionId}", credential: owner);
        var change = await ChangePasswordAsync(host, owner);
        storageDies.On = false;

        await ProblemAssert.IsProblemAsync(revoke, HttpStatusCode.ServiceUnavailable);
        await ProblemAssert.IsProblemAsync(change, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: phone)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "owner@acme.test", password = LatchkeyTestHost.Password, appId = "owner-laptop-1" })).StatusCode);
        var events = (await host.AuditAsync(owner)).Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.DoesNotContain("session.revoked", events);
        Assert.DoesNotContain("password.changed", events);

        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, $"/v1/sessions/{phone.SessionId}", credential: owner)).StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: phone));
        Assert.Contains("session.revoked", (await host.AuditAsync(owner)).Select(e => e.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task SixteenParallelLoginsWithTheRightPasswordAllSucceedRoundAfterRound()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");
        host.Logs.Clear();

        // Note: 40 rounds of 16 (640 logins) met every writer conflict this test was written for (SQLite's busy lock,
        // PostgreSQL's serialisation of the throttle row); 100 rounds took a minute or more of each suite run.
        var statuses = new List<HttpStatusCode>();
        for (var round = 0; round < 40; round++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 16)
                .Select(i => LoginAsync(host, LatchkeyTestHost.Password, $"load-test-vu-{i:D2}")));
            statuses.AddRange(responses.Select(r => r.StatusCode));
        }

        Assert.Equal(640, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task TheHostApplicationsOwnFormsInAnotherCharsetAreNotRefused()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var form = new ByteArrayContent("name=J%FCrgen"u8.ToArray());
        form.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=iso-8859-1");
        var json = new StringContent("{}");
        json.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-7");

        var hostsForm = await host.SendAsync(HttpMethod.Post, "/integrator/form", form);
        var latchkeyJson = await host.SendAsync(HttpMethod.Post, "/v1/login", json);

        Assert.Equal(HttpStatusCode.OK, hostsForm.StatusCode);
        await ProblemAssert.IsProblemAsync(latchkeyJson, HttpStatusCode.UnsupportedMediaType);
    }
}
