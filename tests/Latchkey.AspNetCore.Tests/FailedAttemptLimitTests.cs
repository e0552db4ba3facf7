using System.Net;
using System.Text.Json;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Core.Credentials;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

/// <summary>The per-address allowance of failed password checks, across every login (Latchkey:Network:Failure*).</summary>
public sealed class FailedAttemptLimitTests
{
    private static readonly IPAddress Office = IPAddress.Parse("198.51.100.20");
    private static readonly IPAddress Elsewhere = IPAddress.Parse("198.51.100.21");

    private static Dictionary<string, string?> Allowance(int burst, double perMinute = 1) => new()
    {
        ["Latchkey:Network:FailureBurst"] = burst.ToString(),
        ["Latchkey:Network:FailuresPerMinute"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task<HttpResponseMessageLike> LoginFromAsync(LatchkeyTestHost host, IPAddress client, string login, string password)
    {
        var context = await RawRequest.SendAsync(host, "POST", "/v1/login",
            JsonSerializer.Serialize(new { login, password, appId = "app-instance-1" }), client);
        return new(context.Response.StatusCode, context.Response.Headers.RetryAfter.ToString(), context.Response.ContentType,
            await RawRequest.ReadBodyAsync(context));
    }

    private static Task<HttpResponseMessageLike> WrongFromAsync(LatchkeyTestHost host, IPAddress client, int i) =>
        LoginFromAsync(host, client, $"victim{i}@example.com", "not the right passphrase");

    [Fact]
    public async Task AfterItsFailureBurstAnAddressGetsTooManyRequestsWithRetryAfterBeforeAnyHashing()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(Allowance(burst: 3), services: counter.Register);
        await host.SignupAsync("colleague@example.com");

        var spray = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            spray.Add((await WrongFromAsync(host, Office, i)).Status);
        }

        var verified = counter.Verifications;
        var refused = await WrongFromAsync(host, Office, 3);
        var colleague = await LoginFromAsync(host, Office, "colleague@example.com", LatchkeyTestHost.Password);
        var otherAddress = await LoginFromAsync(host, Elsewhere, "colleague@example.com", LatchkeyTestHost.Password);

        Assert.Equal([401, 401, 401], spray);
        Assert.Equal(429, refused.Status);
        Assert.Equal("application/problem+json", refused.ContentType);
        Assert.Contains("from this address", refused.Body);
        Assert.Equal("60", refused.RetryAfter);
        Assert.Equal(429, colleague.Status);
        Assert.Equal(201, otherAddress.Status);
        Assert.Equal(verified + 1, counter.Verifications);
    }

    private static async Task<int> SignupFromAsync(LatchkeyTestHost host, IPAddress client, string login) =>
        (await RawRequest.SendAsync(host, "POST", "/v1/signup",
            JsonSerializer.Serialize(new { tenant = "Probe", login, password = LatchkeyTestHost.Password }), client)).Response.StatusCode;

    [Fact]
    public async Task SignupsWithATakenLoginFromOneAddressReachTooManyRequestsWithinTheFailureBurst()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Allowance(burst: 3));
        await host.SignupAsync("taken@example.com");

        var probes = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            probes.Add(await SignupFromAsync(host, Office, "taken@example.com"));
        }

        var otherAddress = await SignupFromAsync(host, Elsewhere, "taken@example.com");
        var otherAddressNewLogin = await SignupFromAsync(host, Elsewhere, "fresh@example.com");

        // Note: a 409 tells that a login exists, as a right password would: it is charged like a failed login.
        Assert.Equal([409, 409, 409, 429], probes);
        Assert.Equal(409, otherAddress);
        Assert.Equal(201, otherAddressNewLogin);
    }

    [Fact]
    public async Task CreatingUsersWithATakenLoginFromOneAddressReachesTooManyRequestsWithinTheFailureBurst()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Allowance(burst: 3));
        var admin = await host.SignupAndLoginAsync("owner@example.com");
        var headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {admin.Token}", ["X-App-Id"] = admin.AppId! };

        async Task<int> CreateFromAsync(IPAddress client, string login) =>
            (await RawRequest.SendAsync(host, "POST", "/v1/users",
                JsonSerializer.Serialize(new { login, password = LatchkeyTestHost.Password, roles = new[] { "member" } }), client, headers))
            .Response.StatusCode;

        var probes = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            probes.Add(await CreateFromAsync(Office, "owner@example.com"));
        }

        Assert.Equal([409, 409, 409, 429], probes);
        Assert.Equal(201, await CreateFromAsync(Elsewhere, "member@example.com"));
    }

    [Fact]
    public async Task CorrectLoginsFromOneAddressDoNotUseItsFailureAllowance()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Allowance(burst: 2));
        for (var i = 0; i < 10; i++)
        {
            await host.SignupAsync($"user{i}@example.com");
        }

        var logins = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            logins.Add((await LoginFromAsync(host, Office, $"user{i}@example.com", LatchkeyTestHost.Password)).Status);
        }

        var failures = new[] { (await WrongFromAsync(host, Office, 1)).Status, (await WrongFromAsync(host, Office, 2)).Status };

        Assert.All(logins, status => Assert.Equal(201, status));
        Assert.Equal([401, 401], failures);
    }

    [Fact]
    public async Task AColleaguesCorrectLoginFromTheSprayingAddressSucceedsWhileTheAllowanceLasts()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Allowance(burst: 5));
        await host.SignupAsync("colleague@example.com");
        for (var i = 0; i < 4; i++)
        {
            await WrongFromAsync(host, Office, i);
        }

        var duringTheSpray = await LoginFromAsync(host, Office, "colleague@example.com", LatchkeyTestHost.Password);
        var lastAllowed = await WrongFromAsync(host, Office, 4);
        var blocked = await WrongFromAsync(host, Office, 5);

        Assert.Equal(201, duringTheSpray.Status);
        Assert.Equal(401, lastAllowed.Status);
        Assert.Equal(429, blocked.Status);
    }

    [Fact]
    public async Task ADisabledUsersRightPasswordUsesTheAllowanceLikeAWrongOne()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Allowance(burst: 1));
        var (_, _, owner) = await host.CreateTenantAsync("owner@example.com");
        var memberId = await host.CreateUserAsync(owner, "member@example.com");
        var disable = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{memberId}", new { disabled = true }, owner);
        Assert.Equal(HttpStatusCode.NoContent, disable.StatusCode);

        var rightPassword = await LoginFromAsync(host, Office, "member@example.com", LatchkeyTestHost.Password);
        var next = await LoginFromAsync(host, Office, "owner@example.com", LatchkeyTestHost.Password);

        Assert.Equal(401, rightPassword.Status);
        Assert.Equal(429, next.Status);
    }

    [Fact]
    public async Task TheAllowanceComesBackAtTheSustainedRate()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Allowance(burst: 2, perMinute: 2));
        await host.SignupAsync("colleague@example.com");
        await WrongFromAsync(host, Office, 0);
        await WrongFromAsync(host, Office, 1);
        var refused = await WrongFromAsync(host, Office, 2);

        host.Time.Advance(TimeSpan.FromSeconds(int.Parse(refused.RetryAfter)));
        var afterTheWait = await LoginFromAsync(host, Office, "colleague@example.com", LatchkeyTestHost.Password);
        var oneMoreFailure = await WrongFromAsync(host, Office, 3);
        var againRefused = await WrongFromAsync(host, Office, 4);

        Assert.Equal("30", refused.RetryAfter);
        Assert.Equal(201, afterTheWait.Status);
        Assert.Equal(401, oneMoreFailure.Status);
        Assert.Equal(429, againRefused.Status);
    }

    [Fact]
    public async Task ParallelWrongPasswordsFromOneAddressGetNoVerificationPastTheAllowance()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(Allowance(burst: 3))
        {
            ["Latchkey:Hashing:MaxConcurrency"] = "1",
        }, services: counter.Register);
        var before = counter.Verifications;

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = $"victim{i}@example.com", password = "not the right passphrase", appId = "app-instance-1" })));

        Assert.Equal(3, counter.Verifications - before);
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Unauthorized))
        {
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task WrongCurrentPasswordsOnPasswordChangeUseTheAddresssAllowance()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Allowance(burst: 2));
        var alice = await host.SignupAndLoginAsync();

        Task<HttpResponseMessage> ChangeAsync(string current) => host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = current, newPassword = "a brand new long passphrase" }, alice);

        var first = await ChangeAsync("first wrong guess here");
        var second = await ChangeAsync("second wrong guess here");
        var third = await ChangeAsync(LatchkeyTestHost.Password);

        Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        await ProblemAssert.IsProblemAsync(third, HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task AnAttemptRefusedForItsAddressOnceQueuedIsNotChargedToItsLogin()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(Allowance(burst: 1))
        {
            ["Latchkey:Lockout:FreeAttempts"] = "1",
            ["Latchkey:Hashing:MaxConcurrency"] = "1",
        }, services: counter.Register);
        await host.SignupAsync("colleague@example.com");
        var release = new TaskCompletionSource();
        counter.Hold = release;
        var lastAllowed = host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "victim@example.com", password = "not the right passphrase", appId = "app-instance-1" });
        await counter.Held.Task;

        // Note: arrives while the address still has its one failure left, so it is counted for its login and queued.
        var queued = host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "colleague@example.com", password = "not the right passphrase", appId = "app-instance-1" });
        await WaitUntilAsync(() => host.App.Services.GetRequiredService<HashingGate>().InGate == 2);
        release.SetResult();

        Assert.Equal(HttpStatusCode.Unauthorized, (await lastAllowed).StatusCode);
        await ProblemAssert.IsProblemAsync(await queued, HttpStatusCode.TooManyRequests);
        Assert.Equal(201, (await LoginFromAsync(host, Elsewhere, "colleague@example.com", LatchkeyTestHost.Password)).Status);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 5000 && !condition(); i++)
        {
            await Task.Delay(1);
        }

        Assert.True(condition());
    }

    [Fact]
    public async Task AnInvalidFailureAllowanceStopsTheHostAtStartWithTheSettingNamed()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            LatchkeyTestHost.StartAsync(Allowance(burst: 0)));

        Assert.Contains("Latchkey:Network:FailureBurst", error.Message);
    }

    [Fact]
    public void ClientsWhoseAllowanceIsWholeAgainAreForgotten()
    {
        var time = new FakeTimeProvider();
        var accessor = new HttpContextAccessor();
        var limit = new FailedAttemptLimit(accessor, Options.Create(new LatchkeyNetworkOptions { FailureBurst = 2, FailuresPerMinute = 1 }), time);
        void FailFrom(IPAddress address)
        {
            accessor.HttpContext = new DefaultHttpContext { Connection = { RemoteIpAddress = address } };
            limit.RecordFailure();
        }

        for (var i = 0; i < 1000; i++)
        {
            FailFrom(new IPAddress([10, 0, (byte)(i / 256), (byte)(i % 256)]));
        }

        FailFrom(Office);
        FailFrom(Office);
        FailFrom(Office);
        time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 30; i++)
        {
            FailFrom(new IPAddress([10, 1, 0, (byte)i]));
        }

        // Note: the thousand that failed once a minute ago are whole again; the office (three failures) and the last
        // thirty are not.
        Assert.Equal(31, limit.TrackedClients);
        accessor.HttpContext = new DefaultHttpContext { Connection = { RemoteIpAddress = Office } };
        Assert.True(limit.IsExhausted(out var retryAfter));
        Assert.Equal(TimeSpan.FromMinutes(1), retryAfter);
    }

    private sealed record HttpResponseMessageLike(int Status, string RetryAfter, string? ContentType, string Body);
}
