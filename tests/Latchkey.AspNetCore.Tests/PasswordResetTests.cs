using System.Net;
using System.Text;

namespace Latchkey.AspNetCore.Tests;

/// <summary>Password reset by e-mail, end to end through a real SMTP server.</summary>
public sealed class PasswordResetTests
{
    private const string NewPassword = "a brand new passphrase for alice";

    [Fact]
    public async Task AResetLinkSetsANewPasswordEndsEverySessionAndIsNotifiedAndAudited()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var key = await host.SignupAndLoginAsync("alice@example.com");
        var other = await host.LoginAsync("alice@example.com", "app-instance-2");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);

        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" })).StatusCode);
        var message = (await smtp.WaitForAsync(2)).Last();
        Assert.StartsWith("https://auth.example.com/reset-password#token=lk_reset_", TestSmtpServer.Link(message));
        var token = TestSmtpServer.Token(message);

        var weak = await host.SendAsync(HttpMethod.Post, "/v1/password-reset/complete", new { token, password = "short" });
        await ProblemAssert.IsProblemAsync(weak, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Post, "/v1/password-reset/complete", new { token, password = NewPassword })).StatusCode);

        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key), "password_reset");
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: other), "password_reset");
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "app-instance-3" })).StatusCode);
        var owner = await host.LoginAsync("alice@example.com", "app-instance-4", NewPassword);
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/password-reset/complete", new { token, password = NewPassword + " again" }), HttpStatusCode.BadRequest);

        var notice = (await smtp.WaitForAsync(3)).Last();
        Assert.Contains("password was changed", notice.Subject);
        Assert.Contains("password-reset link", notice.TextBody);
        Assert.Contains("https://auth.example.com/devices", notice.TextBody);
        var events = (await host.AuditAsync(owner)).Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Contains("password.reset_requested", events);
        Assert.Contains("password.reset", events);
    }

    [Fact]
    public async Task ACompletedResetVoidsEveryOtherResetTokenAndClearsTheLockout()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(smtp.Settings())
        {
            ["Latchkey:Lockout:FreeAttempts"] = "1",
            ["Latchkey:Lockout:MaxFailures"] = "2",
        });
        await host.SignupAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);
        for (var i = 0; i < 2; i++)
        {
            await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" });
        }

        var messages = await smtp.WaitForAsync(3);
        var (first, second) = (TestSmtpServer.Token(messages[1]), TestSmtpServer.Token(messages[2]));
        for (var i = 0; i < 3; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(1));
            await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "alice@example.com", password = "wrong password, long enough", appId = "app-instance-1" });
        }

        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Post, "/v1/password-reset/complete", new { token = second, password = NewPassword })).StatusCode);

        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/password-reset/complete", new { token = first, password = NewPassword }), HttpStatusCode.BadRequest);
        await host.LoginAsync("alice@example.com", "app-instance-2", NewPassword);
    }

    [Fact]
    public async Task UnknownUsedAndExpiredTokensGetOneIdenticalProblem()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        await host.SignupAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);
        await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" });
        await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" });
        var messages = await smtp.WaitForAsync(3);
        var used = TestSmtpServer.Token(messages[1]);
        var expiring = TestSmtpServer.Token(messages[2]);
        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Post, "/v1/password-reset/complete", new { token = used, password = NewPassword })).StatusCode);
        host.Time.Advance(TimeSpan.FromMinutes(31));

        var bodies = new List<string>();
        foreach (var token in new[] { used, expiring, Latchkey.Core.Email.LinkToken.Create("lk_reset_").Token })
        {
            var response = await host.SendAsync(HttpMethod.Post, "/v1/password-reset/complete", new { token, password = NewPassword + "!" });
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
            bodies.Add(EmailTests.WithoutTraceId(await response.Content.ReadAsStringAsync()));
        }

        Assert.Single(bodies.Distinct());
    }

    [Fact]
    public async Task TheAnswerIsByteIdenticalForAPersonAnUnknownLoginAMachineAndADisabledPerson()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var owner = await host.SignupAndLoginAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);
        var (_, machine) = await host.CreateMachineUserAsync(owner);
        var machineLogin = machine.Token["lk_mach_".Length..("lk_mach_".Length + 26)];
        var bob = await host.CreateUserAsync(owner, "bob@example.com");
        await host.SendAsync(HttpMethod.Patch, $"/v1/users/{bob}", new { disabled = true }, owner);

        var answers = new List<string>();
        foreach (var login in new[] { "alice@example.com", "nobody@example.com", machineLogin, "bob@example.com", "no-address-login" })
        {
            var response = await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers)
                .Where(h => h.Key != "Date").Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order());
            answers.Add(headers + "\n\n" + await response.Content.ReadAsStringAsync());
        }

        Assert.Single(answers.Distinct());
        await host.WaitForMailIdleAsync();
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal("alice@example.com", smtp.Messages.Last().To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task TheLinkNamesThePublicBaseUrlWhateverTheHostHeadersSay()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings("https://auth.example.com/base"));
        await host.SignupAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/password-reset")
        {
            Content = new StringContent("""{"login":"alice@example.com"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Host = "evil.example";
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        request.Headers.Add("X-Forwarded-Proto", "http");
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.SendAsync(request)).StatusCode);

        var message = (await smtp.WaitForAsync(2)).Last();
        Assert.StartsWith("https://auth.example.com/base/reset-password#token=", TestSmtpServer.Link(message));
        Assert.DoesNotContain("evil.example", message.TextBody + message.HtmlBody);
    }

    [Fact]
    public async Task APersonGetsAtMostThreeResetMessagesAnHour()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        await host.SignupAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" })).StatusCode);
        }

        await host.WaitForMailIdleAsync();
        Assert.Equal(1 + 3, smtp.Messages.Count);
        host.Time.Advance(TimeSpan.FromMinutes(61));
        await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" });
        await smtp.WaitForAsync(5);
    }

    [Fact]
    public async Task RequestsBeyondTheAddressAllowanceAreDroppedWithTheSameAnswer()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(smtp.Settings())
        {
            ["Latchkey:Network:FailureBurst"] = "2",
        });
        for (var i = 0; i < 4; i++)
        {
            await host.SignupAsync($"person{i}@example.com", $"Tenant {i}");
        }

        await smtp.WaitForAsync(4);
        foreach (var message in smtp.Messages.ToList())
        {
            Assert.Equal(HttpStatusCode.NoContent,
                (await host.SendAsync(HttpMethod.Post, "/v1/email/verify", new { token = TestSmtpServer.Token(message) })).StatusCode);
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = $"person{i}@example.com" })).StatusCode);
        }

        await host.WaitForMailIdleAsync();
        Assert.Equal(4 + 2, smtp.Messages.Count);
    }

    [Fact]
    public async Task ResetMessagesQueuedWhileSmtpIsDownAreAllDeliveredOnceWhenItIsBack()
    {
        // Note: the issue's size: 50 people, SMTP down for 30 s of the fake clock. The test host's per-address
        // allowance is raised (every test request comes from one address), not the production default.
        const int people = 50;
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        for (var i = 0; i < people; i++)
        {
            await host.SignupAsync($"person{i}@example.com", $"Tenant {i}");
        }

        foreach (var message in await smtp.WaitForAsync(people))
        {
            Assert.Equal(HttpStatusCode.NoContent,
                (await host.SendAsync(HttpMethod.Post, "/v1/email/verify", new { token = TestSmtpServer.Token(message) })).StatusCode);
        }

        await smtp.StopAsync();
        for (var i = 0; i < people; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = $"person{i}@example.com" })).StatusCode);
        }

        await host.WaitForMailIdleAsync();
        Assert.Equal(people, await host.CountOutboxAsync());
        smtp.Resume();
        host.Time.Advance(TimeSpan.FromSeconds(31));
        await smtp.WaitForAsync(2 * people);
        await host.WaitForMailIdleAsync();
        host.Time.Advance(TimeSpan.FromMinutes(10));
        await host.WaitForMailIdleAsync();

        Assert.Equal(0, await host.CountOutboxAsync());
        Assert.Equal(2 * people, smtp.Messages.Count);
        Assert.Equal(people, smtp.Messages.Where(m => (m.Subject ?? "").Contains("Reset")).Select(m => m.To.Mailboxes.Single().Address).Distinct().Count());
    }

    [Fact]
    public async Task AResetRequestAcceptedBeforeACrashIsDeliveredByTheNextHostOnTheDatabase()
    {
        await using var smtp = TestSmtpServer.Start();
        // Note: the first host never handles a request (its worker is taken out), as if it crashed right after the 202.
        await using var first = await LatchkeyTestHost.StartAsync(smtp.Settings(), services: services =>
            services.Remove(services.Single(d => d.ImplementationType == typeof(Latchkey.AspNetCore.Email.PasswordResetWorker))));
        await first.SignupAsync("alice@example.com");
        await EmailTests.VerifyAsync(first, smtp, "alice@example.com", 1);
        Assert.Equal(HttpStatusCode.Accepted,
            (await first.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" })).StatusCode);
        await first.WaitForMailIdleAsync(resetRequests: 1);
        await first.App.StopAsync();
        Assert.Single(smtp.Messages);

        await using var second = await LatchkeyTestHost.StartAsync(smtp.Settings(), sameDatabaseAs: first);
        var message = (await smtp.WaitForAsync(2)).Last();
        await second.WaitForMailIdleAsync();

        Assert.Equal("alice@example.com", message.To.Mailboxes.Single().Address);
        Assert.StartsWith("https://auth.example.com/reset-password#token=lk_reset_", TestSmtpServer.Link(message));
        Assert.Equal(0, await second.CountResetRequestsAsync());
        Assert.Equal(2, smtp.Messages.Count);
    }

    [Fact]
    public async Task NoTokenReachesTheDatabaseOrTheLogs()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var key = await host.SignupAndLoginAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);
        await host.SendAsync(HttpMethod.Put, "/v1/me/email", new { email = "alice@new.example", password = LatchkeyTestHost.Password }, key);
        await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" });
        await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" });
        var messages = await smtp.WaitForAsync(5);
        var tokens = messages.Where(m => (m.TextBody ?? "").Contains("#token=")).Select(TestSmtpServer.Token).ToList();
        Assert.Equal(4, tokens.Count);
        // Note: messages queued at one instant of the fake clock arrive in any order; pick a reset token by its prefix.
        var reset = tokens.Last(t => t.StartsWith("lk_reset_", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NoContent,
            (await host.SendAsync(HttpMethod.Post, "/v1/password-reset/complete", new { token = reset, password = NewPassword })).StatusCode);
        await host.SendAsync(HttpMethod.Post, "/v1/email/verify", new { token = tokens[^1] + "x" });
        await host.WaitForMailIdleAsync();
        await host.App.StopAsync();

        var stored = await host.ReadStoredBytesAsync();
        var logs = string.Join("\n", host.Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception));
        foreach (var token in tokens)
        {
            // Note: the token and its random part alone, in every encoding the database might use.
            foreach (var secret in new[] { token, token[(token.IndexOf('_', 3) + 1)..^7] })
            {
                Assert.DoesNotContain(secret, logs);
                Assert.Equal(-1, stored.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
                Assert.Equal(-1, stored.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)));
            }
        }
    }
}
