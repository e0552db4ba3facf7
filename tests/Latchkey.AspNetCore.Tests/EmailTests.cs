using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

/// <summary>E-mail delivery through the outbox to a real SMTP server, and people's verified addresses.</summary>
public sealed class EmailTests
{
    [Fact]
    public async Task SignupWithAnAddressSendsAVerificationLinkThatVerifiesItOnce()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var key = await host.SignupAndLoginAsync("alice@Example.COM");
        var before = await host.GetJsonAsync("/v1/me", key);
        Assert.Equal("alice@example.com", before.GetProperty("email").GetString());
        Assert.False(before.GetProperty("emailVerified").GetBoolean());

        var message = (await smtp.WaitForAsync(1)).Single();
        Assert.Equal("alice@example.com", message.To.Mailboxes.Single().Address);
        Assert.StartsWith("https://auth.example.com/verify-email#token=lk_verify_", TestSmtpServer.Link(message));
        var token = TestSmtpServer.Token(message);

        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Post, "/v1/email/verify", new { token })).StatusCode);
        Assert.True((await host.GetJsonAsync("/v1/me", key)).GetProperty("emailVerified").GetBoolean());
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/email/verify", new { token }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ChangingTheAddressTakesEffectOnlyWhenTheNewOneIsVerifiedAndTellsTheOldOne()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var key = await host.SignupAndLoginAsync("alice@example.com");
        await VerifyAsync(host, smtp, "alice@example.com", 1);

        Assert.Equal(HttpStatusCode.BadRequest, (await host.SendAsync(HttpMethod.Put, "/v1/me/email",
            new { email = "alice@new.example", password = "wrong password, long enough" }, key)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Put, "/v1/me/email",
            new { email = "alice@old-typo.example", password = LatchkeyTestHost.Password }, key)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Put, "/v1/me/email",
            new { email = "alice@NEW.example", password = LatchkeyTestHost.Password }, key)).StatusCode);
        var messages = await smtp.WaitForAsync(5);

        // Note: the old address hears of both requests; the first new address's token was replaced by the second's.
        Assert.Equal(2, messages.Count(m => m.To.Mailboxes.Single().Address == "alice@example.com" && (m.Subject ?? "").Contains("being changed")));
        Assert.Contains("https://auth.example.com/devices", smtp.LastTo("alice@example.com").TextBody);
        var replaced = TestSmtpServer.Token(smtp.LastTo("alice@old-typo.example"));
        var me = await host.GetJsonAsync("/v1/me", key);
        Assert.Equal("alice@example.com", me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/email/verify", new { token = replaced }), HttpStatusCode.BadRequest);
        var token = TestSmtpServer.Token(smtp.LastTo("alice@new.example"));
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Post, "/v1/email/verify", new { token })).StatusCode);
        me = await host.GetJsonAsync("/v1/me", key);
        Assert.Equal("alice@new.example", me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
    }

    [Fact]
    public async Task AVerificationTokenExpiresAfterADay()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        await host.SignupAsync("alice@example.com");
        var token = TestSmtpServer.Token((await smtp.WaitForAsync(1)).Single());

        host.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/email/verify", new { token }), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("alice@example.com\r\nBcc: victim@example.com")]
    [InlineData("alice@example.com\n")]
    [InlineData("Alice <alice@example.com>")]
    [InlineData("alice@example.com, bob@example.com")]
    [InlineData("no-at-sign")]
    [InlineData("long")]
    public async Task ABadAddressIsRefusedAndNothingIsQueued(string email)
    {
        if (email == "long")
        {
            email = new string('a', 10 * 1024) + "@example.com";
        }

        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var key = await host.SignupAndLoginAsync("alice");

        var change = await host.SendAsync(HttpMethod.Put, "/v1/me/email", new { email, password = LatchkeyTestHost.Password }, key);
        var signup = await host.SendAsync(HttpMethod.Post, "/v1/signup",
            new { tenant = "Other", login = "bob", password = LatchkeyTestHost.Password, email });
        var invitation = await host.SendAsync(HttpMethod.Post, "/v1/invitations", new { email, role = "member" }, key);

        await ProblemAssert.IsProblemAsync(change, HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(signup, HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(invitation, HttpStatusCode.BadRequest);
        Assert.Equal(0, await host.CountOutboxAsync());
        Assert.Empty(smtp.Messages);
    }

    [Theory]
    [InlineData("/v1/email/verify", "lk_verify_")]
    [InlineData("/v1/password-reset/complete", "lk_reset_")]
    [InlineData("/v1/invitations/accept", "lk_invite_")]
    public async Task ATokenOfTheWrongLengthAlphabetOrChecksumIsOneBadRequest(string path, string prefix)
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());
        var good = Latchkey.Core.Email.LinkToken.Create(prefix).Token;
        string[] tokens = [good[..^1], good + "a", good.ToUpperInvariant(), good[..^7] + "aaaaaaa", prefix + new string('!', 59), good.Replace('a', 'é'), "", good];

        var bodies = new List<string>();
        foreach (var token in tokens)
        {
            var response = await host.SendAsync(HttpMethod.Post, path, new { token, password = "a new password that is long enough" });
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
            bodies.Add(WithoutTraceId(await response.Content.ReadAsStringAsync()));
        }

        Assert.Single(bodies.Distinct());
        Assert.Equal(0, await host.CountOutboxAsync());
        var logs = string.Join("\n", host.Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception));
        Assert.All(tokens.Where(t => t.Length > prefix.Length), token => Assert.DoesNotContain(token, logs));
    }

    [Theory]
    [InlineData("/v1/email/verify", """{"token":"x","extra":1}""")]
    [InlineData("/v1/password-reset", """{"login":"alice","extra":1}""")]
    [InlineData("/v1/password-reset/complete", """{"token":"lk_reset_0123456789abcdef","password":"y","isAdmin":true}""")]
    [InlineData("/v1/invitations/accept", """{"token":"lk_invite_0123456789abcdef","password":"y","role":"owner"}""")]
    public async Task AJsonBodyWithExtraFieldsIsRefused(string path, string json)
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await LatchkeyTestHost.StartAsync(smtp.Settings());

        var response = await host.SendAsync(HttpMethod.Post, path, new StringContent(json, Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        await host.WaitForMailIdleAsync();
        Assert.Equal(0, await host.CountOutboxAsync());
        Assert.Equal(0, await host.CountResetRequestsAsync());
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => (r.Message + r.Exception).Contains("0123456789abcdef", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutSmtpMailGoesIntoThePickupDirectoryAndTheStartSaysSo()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-pickup-").FullName;
        try
        {
            await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(), environment: "Development",
                connectionString: $"Data Source={Path.Combine(directory, "latchkey.db")}");
            await host.SignupAsync("alice@example.com");
            await host.WaitForMailIdleAsync();

            var file = Assert.Single(Directory.GetFiles(Path.Combine(directory, "mail"), "*.eml"));
            var message = await MimeKit.MimeMessage.LoadAsync(file);
            Assert.StartsWith("http://localhost:5080/verify-email#token=", TestSmtpServer.Link(message));
            Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 1212 && r.Message.Contains(Path.Combine(directory, "mail")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task InProductionWithoutMailTheFlowsAnswer503AndHealthIsDegraded()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync("alice@example.com");

        var reset = await host.SendAsync(HttpMethod.Post, "/v1/password-reset", new { login = "alice@example.com" });
        var change = await host.SendAsync(HttpMethod.Put, "/v1/me/email", new { email = "a@example.com", password = LatchkeyTestHost.Password }, key);
        var health = await host.SendAsync(HttpMethod.Get, "/healthz");

        await ProblemAssert.IsProblemAsync(reset, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("E-mail is not configured", (await LatchkeyTestHost.ReadJsonAsync(reset)).GetProperty("title").GetString());
        await ProblemAssert.IsProblemAsync(change, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.StartsWith("Degraded", await health.Content.ReadAsStringAsync());
        Assert.Contains(host.Logs.GetSnapshot(), r => r.Id.Id == 1210);
    }

    [Fact]
    public async Task TwoHostsSharingOneOutboxDeliverEachMessageExactlyOnce()
    {
        const int count = 200;
        await using var smtp = TestSmtpServer.Start();
        await using var first = await LatchkeyTestHost.StartAsync(smtp.Settings());
        await QueueAsync(first, 1);
        await smtp.WaitForAsync(1);
        await using var second = await LatchkeyTestHost.StartAsync(smtp.Settings(), sameDatabaseAs: first);

        // Note: queued without waking either sender; both find them at their next poll and race for them.
        await QueueAsync(first, count);
        first.Time.Advance(TimeSpan.FromSeconds(5));
        second.Time.Advance(TimeSpan.FromSeconds(5));
        await smtp.WaitForAsync(count + 1);
        await first.WaitForMailIdleAsync();
        await second.WaitForMailIdleAsync();

        Assert.Equal(0, await first.CountOutboxAsync());
        Assert.Equal(count + 1, smtp.Messages.Count);
        Assert.Equal(count + 1, smtp.Messages.Select(m => m.To.Mailboxes.Single().Address).Distinct().Count());
    }

    private static async Task QueueAsync(LatchkeyTestHost host, int count)
    {
        // Note: one transaction for the lot: the test is about sending them, not about queuing.
        await using (var scope = host.App.Services.CreateAsyncScope())
        {
            var outbox = scope.ServiceProvider.GetRequiredService<Latchkey.Core.Email.EmailOutbox>();
            await using var transaction = await scope.ServiceProvider.GetRequiredService<Latchkey.Core.Stores.IUnitOfWork>().BeginAsync(CancellationToken.None);
            for (var i = 0; i < count; i++)
            {
                await outbox.QueueAsync(
                    Latchkey.Core.Email.EmailTemplateNames.AccountLocked, $"person{i}-{Guid.NewGuid():N}@example.com", "Acme",
                    new Dictionary<string, string> { ["time"] = "now" }, TimeSpan.FromHours(1), CancellationToken.None);
            }

            await transaction.CommitAsync(CancellationToken.None);
        }

        if (count == 1)
        {
            host.App.Services.GetRequiredService<Latchkey.Core.Email.EmailSenderSignal>().Wake();
        }
    }

    internal static async Task VerifyAsync(LatchkeyTestHost host, TestSmtpServer smtp, string address, int messages)
    {
        await smtp.WaitForAsync(messages);
        var token = TestSmtpServer.Token(smtp.LastTo(address));
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Post, "/v1/email/verify", new { token })).StatusCode);
    }

    internal static string WithoutTraceId(string body) =>
        System.Text.RegularExpressions.Regex.Replace(body, "\"traceId\":\"[^\"]*\"", "");
}
