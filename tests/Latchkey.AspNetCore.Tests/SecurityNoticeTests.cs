using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

/// <summary>Notices to a person's verified address when something changes on their account.</summary>
public sealed class SecurityNoticeTests
{
    [Fact]
    public async Task APasswordChangedByThePersonOrByAnAdminIsNotified()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var owner = await host.SignupAndLoginAsync("owner@example.com");
        await EmailTests.VerifyAsync(host, smtp, "owner@example.com", 1);
        var bob = await host.CreateUserAsync(owner, "bob");
        var bobKey = await host.LoginAsync("bob", "bob-app-0001");
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Put, "/v1/me/email",
            new { email = "bob@example.com", password = LatchkeyTestHost.Password }, bobKey)).StatusCode);
        await EmailTests.VerifyAsync(host, smtp, "bob@example.com", 2);

        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = LatchkeyTestHost.Password, newPassword = "the owner's new long passphrase" }, owner)).StatusCode);
        var byThem = (await smtp.WaitForAsync(3)).Last();
        Assert.Equal("owner@example.com", byThem.To.Mailboxes.Single().Address);
        Assert.Contains("by you", byThem.TextBody);
        Assert.Contains("https://auth.example.com/devices", byThem.HtmlBody);

        // Note: an admin sets a password through the CLI (latchkey user reset-password), i.e. this service.
        await using (var scope = host.App.Services.CreateAsyncScope())
        {
            var tenantId = (await host.GetJsonAsync("/v1/me", owner)).GetProperty("tenantId").GetGuid();
            scope.ServiceProvider.GetRequiredService<Latchkey.Core.Stores.TenantContext>().Enter(tenantId);
            var result = await scope.ServiceProvider.GetRequiredService<Latchkey.Core.Services.UserAdminService>().ResetPasswordAsync(
                Latchkey.Core.Services.AuthenticatedCaller.ForOperator(tenantId, "cli:test@host"), bob, "bob's new long passphrase here", CancellationToken.None);
            Assert.Equal(Latchkey.Core.Services.UserAdminOutcome.Done, result.Outcome);
        }

        var byAdmin = (await smtp.WaitForAsync(4)).Last();
        Assert.Equal("bob@example.com", byAdmin.To.Mailboxes.Single().Address);
        Assert.Contains("by an administrator", byAdmin.TextBody);
    }

    [Fact]
    public async Task ASignInFromANewAppInstanceIsNotifiedAndOneFromAKnownOneIsNot()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(smtp.Settings())
        {
            ["Latchkey:Email:NewDeviceNotice"] = "true",
        });
        await host.SignupAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);

        await host.LoginAsync("alice@example.com", "app-instance-1");
        var notice = (await smtp.WaitForAsync(2)).Last();
        await host.LoginAsync("alice@example.com", "app-instance-1");
        await host.WaitForMailIdleAsync();

        Assert.Equal(2, smtp.Messages.Count);
        Assert.Contains("New sign-in", notice.Subject);
        Assert.Contains("tests", notice.TextBody);
        Assert.Contains(LatchkeyTestHost.ClientIp, notice.TextBody);
        Assert.Contains("(Acme)", notice.TextBody);
    }

    [Fact]
    public async Task ASignInWithASecondFactorFromANewAppInstanceIsNotifiedAndOneFromAKnownOneIsNot()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(smtp.Settings())
        {
            ["Latchkey:Email:NewDeviceNotice"] = "true",
        });
        await host.SignupAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);
        var first = await host.LoginAsync("alice@example.com", "app-instance-1");
        var (secret, _) = await SecondFactors.EnrolAsync(host, first);
        await host.WaitForMailIdleAsync();
        var before = smtp.Messages.Count;

        await SecondFactors.LoginAsync(host, "alice@example.com", "app-instance-2", secret);
        var notice = (await smtp.WaitForAsync(before + 1)).Last();
        host.Time.Advance(TimeSpan.FromSeconds(30));
        await SecondFactors.LoginAsync(host, "alice@example.com", "app-instance-2", secret);
        await host.WaitForMailIdleAsync();

        Assert.Equal(before + 1, smtp.Messages.Count);
        Assert.Contains("New sign-in", notice.Subject);
        Assert.Contains(LatchkeyTestHost.ClientIp, notice.TextBody);
    }

    [Fact]
    public async Task AnAccountLockedAfterMaxFailuresIsNotifiedOnce()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(smtp.Settings())
        {
            ["Latchkey:Lockout:FreeAttempts"] = "1",
            ["Latchkey:Lockout:MaxFailures"] = "3",
        });
        await host.SignupAsync("alice@example.com");
        await EmailTests.VerifyAsync(host, smtp, "alice@example.com", 1);

        for (var i = 0; i < 6; i++)
        {
            host.Time.Advance(TimeSpan.FromHours(1));
            await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "alice@example.com", password = "wrong password, long enough", appId = "app-instance-1" });
        }

        var notice = (await smtp.WaitForAsync(2)).Last();
        Assert.Contains("locked", notice.Subject);
        Assert.Contains("https://auth.example.com/devices", notice.TextBody);
        await host.WaitForMailIdleAsync();
        Assert.Equal(2, smtp.Messages.Count);
    }

    [Fact]
    public async Task TheLockNoticeIsQueuedByTheFailureThatLocksOncePerLock()
    {
        await using var smtp = TestSmtpServer.Start();
        // Note: nothing is sent, so the outbox shows what each response committed, at the moment it returned.
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(smtp.Settings())
        {
            ["Latchkey:Lockout:FreeAttempts"] = "1",
            ["Latchkey:Lockout:MaxFailures"] = "3",
        }, services: services => services.Remove(services.Single(d => d.ImplementationType == typeof(Latchkey.AspNetCore.Email.EmailSender))));
        await host.SignupAsync("alice@example.com");
        await host.ExecuteSqlAsync("UPDATE users SET email_verified = TRUE");
        var noticesAfterEachFailure = new List<int>();

        for (var lockNumber = 0; lockNumber < 2; lockNumber++)
        {
            for (var i = 0; i < 5; i++)
            {
                host.Time.Advance(TimeSpan.FromHours(1));
                await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "alice@example.com", password = "wrong password, long enough", appId = "app-instance-1" });
                noticesAfterEachFailure.Add(await CountLockNoticesAsync(host));
            }

            await using var scope = host.App.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<Latchkey.Core.Services.LoginThrottle>().UnlockAsync("alice@example.com", CancellationToken.None);
        }

        Assert.Equal([0, 0, 1, 1, 1, 1, 1, 2, 2, 2], noticesAfterEachFailure);
    }

    private static async Task<int> CountLockNoticesAsync(LatchkeyTestHost host)
    {
        await using var scope = host.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Latchkey.Storage.LatchkeyDbContext>();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(
            db.EmailOutbox, m => m.Kind == Latchkey.Core.Email.EmailTemplateNames.AccountLocked);
    }
}
