using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Diagnostics;
using System.Runtime.CompilerServices;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Latchkey.Storage.Stores;
using Latchkey.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Latchkey.AspNetCore.Tests;

public sealed class ThrottleTests
{
    private static Dictionary<string, string?> Lockout(
        int freeAttempts, int maxFailures = 100, string baseDelay = "00:00:10", string maxDelay = "00:15:00") => new()
    {
        ["Latchkey:Lockout:FreeAttempts"] = freeAttempts.ToString(),
        ["Latchkey:Lockout:MaxFailures"] = maxFailures.ToString(),
        ["Latchkey:Lockout:BaseDelay"] = baseDelay,
        ["Latchkey:Lockout:MaxDelay"] = maxDelay,
    };

    private static Task<HttpResponseMessage> TryLoginAsync(LatchkeyTestHost host, string login, string password = "not the right passphrase") =>
        host.SendAsync(HttpMethod.Post, "/v1/login", new { login, password, appId = "app-instance-9" });

    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("nobody@example.com")]
    public async Task TheFailureThatStartsADelayAnnouncesItInRetryAfterAndTheLockingOneDoesNot(string login)
    {
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 2, maxFailures: 3));
        await host.SignupAsync("alice@example.com");

        var free = await TryLoginAsync(host, login);
        var delaying = await TryLoginAsync(host, login);
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var locking = await TryLoginAsync(host, login);

        await ProblemAssert.IsProblemAsync(free, HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(delaying, HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(locking, HttpStatusCode.Unauthorized);
        Assert.Null(free.Headers.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(10), delaying.Headers.RetryAfter?.Delta);
        Assert.Null(locking.Headers.RetryAfter);
    }

    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("nobody@example.com")]
    public async Task AfterTheFreeAttemptsALoginIsDelayedWithRetryAfterWhetherOrNotItExists(string login)
    {
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 3));
        await host.SignupAsync("alice@example.com");

        for (var i = 0; i < 3; i++)
        {
            await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, login), HttpStatusCode.Unauthorized);
        }

        var delayed = await TryLoginAsync(host, login, LatchkeyTestHost.Password);

        await ProblemAssert.IsProblemAsync(delayed, HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(10), delayed.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task TheDelayDoublesWithEachFurtherFailure()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 2));
        await host.SignupAsync("alice@example.com");
        await TryLoginAsync(host, "alice@example.com");
        await TryLoginAsync(host, "alice@example.com");
        var delays = new List<TimeSpan?>();

        for (var i = 0; i < 3; i++)
        {
            var response = await TryLoginAsync(host, "alice@example.com");
            delays.Add(response.Headers.RetryAfter?.Delta);
            host.Time.Advance(response.Headers.RetryAfter!.Delta!.Value);
            await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com"), HttpStatusCode.Unauthorized);
        }

        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40)], delays);
    }

    [Fact]
    public async Task ThrottledAndLockedLoginsAreCountedUnderTheirOwnOutcomes()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 2, maxFailures: 3));
        using var logins = new MetricCollector<long>(host.App.Services.GetRequiredService<IMeterFactory>(),
            LatchkeyMetrics.MeterName, "latchkey.logins");
        await host.SignupAsync("alice@example.com");
        await TryLoginAsync(host, "alice@example.com");
        await TryLoginAsync(host, "alice@example.com");

        var delayed = await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password);
        host.Time.Advance(delayed.Headers.RetryAfter!.Delta!.Value);
        await TryLoginAsync(host, "alice@example.com");
        host.Time.Advance(TimeSpan.FromMinutes(15));
        var locked = await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password);

        await ProblemAssert.IsProblemAsync(locked, HttpStatusCode.Unauthorized);
        Assert.Equal(["refused", "refused", "throttled", "refused", "locked"],
            logins.GetMeasurementSnapshot().Select(m => m.Tags["outcome"]));
    }

    [Fact]
    public async Task DelayedAttemptsAreNeitherVerifiedNorCounted()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 2), services: counter.Register);
        await host.SignupAsync("alice@example.com");
        await TryLoginAsync(host, "alice@example.com");
        await TryLoginAsync(host, "alice@example.com");
        var verified = counter.Verifications;

        for (var i = 0; i < 10; i++)
        {
            await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com"), HttpStatusCode.TooManyRequests);
        }

        Assert.Equal(verified, counter.Verifications);
        host.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Created, (await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password)).StatusCode);
    }

    [Fact]
    public async Task SixtyConsecutiveFailuresNeverAnswer5xxAndTheRightPasswordLogsInAfterTheDelay()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 5, baseDelay: "00:00:01", maxDelay: "00:00:01"));
        await host.SignupAsync("alice@example.com");
        var answers = new List<HttpStatusCode>();

        for (var i = 0; i < 60; i++)
        {
            answers.Add((await TryLoginAsync(host, "alice@example.com")).StatusCode);
            host.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var right = await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password);

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);
    }

    [Fact]
    public async Task ASuccessfulLoginResetsTheCount()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 3));
        await host.SignupAsync("alice@example.com");
        await TryLoginAsync(host, "alice@example.com");
        await TryLoginAsync(host, "alice@example.com");
        await host.LoginAsync("alice@example.com", "app-instance-1");

        await TryLoginAsync(host, "alice@example.com");
        await TryLoginAsync(host, "alice@example.com");

        await host.LoginAsync("alice@example.com", "app-instance-2");
    }

    [Fact]
    public async Task AfterMaxFailuresTheRightPasswordIsRefusedLikeAWrongOneUntilAnAdminUnlocks()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 2, maxFailures: 4, baseDelay: "00:00:01"));
        var (_, ownerId) = await host.SignupAsync("alice@example.com");
        var existing = await host.LoginAsync("alice@example.com", "app-instance-1");
        for (var i = 0; i < 4; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(15));
            await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com"), HttpStatusCode.Unauthorized);
        }

        host.Time.Advance(TimeSpan.FromHours(1));
        var wrong = await TryLoginAsync(host, "alice@example.com");
        var right = await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password);

        await ProblemAssert.IsProblemAsync(right, HttpStatusCode.Unauthorized);
        Assert.Equal(await wrong.Content.ReadAsStringAsync().ContinueWith(t => Strip(t.Result)),
            Strip(await right.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: existing)).StatusCode);

        var unlock = await host.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/unlock", credential: existing);

        Assert.Equal(HttpStatusCode.NoContent, unlock.StatusCode);
        await host.LoginAsync("alice@example.com", "app-instance-2");
        var audit = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/audit", credential: existing));
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e => e.GetProperty("event").GetString() == "user.unlocked");

        // Note: problem bodies carry a per-request trace id; everything else must be identical.
        static string Strip(string body) => System.Text.RegularExpressions.Regex.Replace(body, "\"traceId\":\"[^\"]*\"", "");
    }

    [Fact]
    public async Task FiftyParallelWrongPasswordsOneBelowTheDelayGetExactlyOneVerification()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 5), services: counter.Register);
        await host.SignupAsync("alice@example.com");
        for (var i = 0; i < 4; i++)
        {
            await TryLoginAsync(host, "alice@example.com");
        }

        var before = counter.Verifications;
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => TryLoginAsync(host, "alice@example.com")));

        Assert.Equal(1, counter.Verifications - before);
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task FiftyParallelWrongPasswordsOneBelowTheHardLimitGetExactlyOneVerification()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 5, maxFailures: 8, baseDelay: "00:00:01"), services: counter.Register);
        await host.SignupAsync("alice@example.com");
        for (var i = 0; i < 7; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(15));
            await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com"), HttpStatusCode.Unauthorized);
        }

        host.Time.Advance(TimeSpan.FromMinutes(15));
        var before = counter.RealVerifications;
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => TryLoginAsync(host, "alice@example.com")));

        Assert.Equal(1, counter.RealVerifications - before);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests));
        host.Time.Advance(TimeSpan.FromHours(1));
        var hashesBefore = counter.Verifications;
        await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password), HttpStatusCode.Unauthorized);
        Assert.Equal(1, counter.RealVerifications - before);
        Assert.Equal(hashesBefore + 1, counter.Verifications);
    }

    [Fact]
    public async Task GuessingTheCurrentPasswordOnPasswordChangeIsThrottledLikeLogin()
    {
        // Note: the test moves the clock by three quarters of an hour; step-up (10 minutes) is not its subject.
        await using var host = await LatchkeyTestHost.StartAsync(
            new Dictionary<string, string?>(Lockout(freeAttempts: 2, maxFailures: 4, baseDelay: "00:00:01")) { ["Latchkey:StepUp:MaxAge"] = "1.00:00:00" });
        var stolen = await host.SignupAndLoginAsync();
        var guesses = new List<HttpStatusCode>();

        for (var i = 0; i < 3; i++)
        {
            guesses.Add((await host.SendAsync(HttpMethod.Put, "/v1/me/password",
                new { currentPassword = $"guess number {i} of many", newPassword = "a brand new long passphrase" }, stolen)).StatusCode);
        }

        var delayed = await host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = LatchkeyTestHost.Password, newPassword = "a brand new long passphrase" }, stolen);

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], guesses);
        await ProblemAssert.IsProblemAsync(delayed, HttpStatusCode.TooManyRequests);
        Assert.NotNull(delayed.Headers.RetryAfter);
        await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password), HttpStatusCode.TooManyRequests);
        for (var i = 0; i < 2; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(15));
            await host.SendAsync(HttpMethod.Put, "/v1/me/password", new { currentPassword = "yet another wrong guess", newPassword = "x" }, stolen);
        }

        host.Time.Advance(TimeSpan.FromMinutes(15));
        var locked = await host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = LatchkeyTestHost.Password, newPassword = "a brand new long passphrase" }, stolen);

        await ProblemAssert.IsProblemAsync(locked, HttpStatusCode.BadRequest);
        var audit = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/audit", credential: stolen));
        // Note: two wrong, two more after the delays, and the locked attempt: delayed attempts are not audited.
        Assert.Equal(5, audit.GetProperty("entries").EnumerateArray().Count(e => e.GetProperty("event").GetString() == "password.change_failed"));
    }

    [Fact]
    public async Task AServerTooBusyToHashDoesNotChargeTheLoginAFailure()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(Lockout(freeAttempts: 2))
        {
            ["Latchkey:Hashing:MaxConcurrency"] = "1",
            ["Latchkey:Hashing:QueueTimeout"] = "00:00:01",
        }, services: counter.Register);
        await host.SignupAsync("alice@example.com");
        // Note: a measured hash of a minute makes any wait in the queue too long, so the gate refuses at once.
        await HashingCapacityTests.MeasureSlowHashAsync(host, counter, TimeSpan.FromMinutes(1));
        var release = new TaskCompletionSource();
        counter.Hold = release;
        var first = TryLoginAsync(host, "someone@example.com");
        await counter.Held.Task;

        var busy = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            busy.Add(await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password));
        }

        release.SetResult();
        await first;

        Assert.All(busy, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        await host.LoginAsync("alice@example.com", "app-instance-1");
    }

    [Fact]
    public async Task AClientThatLeavesMidVerificationLeavesNoPendingMarkAndTheNextAttemptIsAnsweredAtOnce()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 2), services: counter.Register);
        await host.SignupAsync("alice@example.com");
        await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com"), HttpStatusCode.Unauthorized);
        var release = new TaskCompletionSource();
        counter.Hold = release;
        using var leaving = new CancellationTokenSource();
        var abandoned = host.Client.PostAsJsonAsync("/v1/login",
            new { login = "alice@example.com", password = "not the right passphrase", appId = "app-instance-9" }, leaving.Token);
        await counter.Held.Task;

        await leaving.CancelAsync();
        release.SetResult();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        var next = await AnsweredWithoutTheClockMovingAsync(host, TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password));
        await ProblemAssert.IsProblemAsync(next, HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(10), next.Headers.RetryAfter?.Delta);
        await using (var scope = host.App.Services.CreateAsyncScope())
        {
            var state = await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().LoginThrottles.SingleAsync();
            Assert.Equal((2, 0), (state.Failures, state.Pending));
        }

        host.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Created, (await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password)).StatusCode);
    }

    [Fact]
    public async Task BeyondSixteenAttemptsWaitingOnOneLoginTheRestGetTooManyRequestsAtOnce()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 2), services: counter.Register);
        await host.SignupAsync("alice@example.com");
        await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com"), HttpStatusCode.Unauthorized);
        var release = new TaskCompletionSource();
        counter.Hold = release;
        var held = TryLoginAsync(host, "alice@example.com");
        await counter.Held.Task;

        // Note: each of these would be refused only because the held attempt counts as a failure, so each waits for
        // it; sixteen may wait on this instance, the three beyond are answered while the held one is still held.
        var waiting = Enumerable.Range(0, 19).Select(_ => TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password)).ToList();
        var refused = new List<HttpResponseMessage>();
        try
        {
            while (refused.Count < 3)
            {
                var answered = await AnsweredWithoutTheClockMovingAsync(host, Task.WhenAny(waiting));
                waiting.Remove(answered);
                refused.Add(await answered);
            }

            Assert.All(refused, r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
            Assert.All(refused, r => Assert.NotNull(r.Headers.RetryAfter));
            Assert.False(held.IsCompleted);
            Assert.All(waiting, w => Assert.False(w.IsCompleted));
        }
        finally
        {
            release.TrySetResult();
        }

        await ProblemAssert.IsProblemAsync(await held, HttpStatusCode.Unauthorized);
        Assert.All(await Task.WhenAll(waiting), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        Assert.Equal(2, counter.RealVerifications);
    }

    [Fact]
    public async Task ALoginWhoseSessionDoesNotCommitIsTakenBackWholeAndTheNextLoginGoesAheadAtOnce()
    {
        // Note: the attempt's success commits with the session and its audit entries; when they roll back, so does the
        // success, and the attempt is taken back as unverified: neither a failure left counted nor a pending mark.
        var failNext = new StrongBox<bool>(false);
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 1), services: services =>
            services.AddScoped<IAuditStore>(sp => new FailingAuditStore(ActivatorUtilities.CreateInstance<EfAuditStore>(sp), failNext)));
        await host.SignupAsync("alice@example.com");
        failNext.Value = true;

        var failed = await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password);
        var next = await AnsweredWithoutTheClockMovingAsync(host, TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        await using var scope = host.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        Assert.Equal(1, await db.Sessions.IgnoreQueryFilters().CountAsync());
        var counter = await db.LoginThrottles.AsNoTracking().SingleOrDefaultAsync();
        Assert.True(counter is null or { Failures: 0, Pending: 0 });
    }

    private sealed class FailingAuditStore(IAuditStore inner, StrongBox<bool> failNext) : IAuditStore
    {
        public Task AppendAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken) =>
            failNext.Value && !(failNext.Value = false)
                ? throw new InvalidOperationException("The audit entries could not be written (a test's failure).")
                : inner.AppendAsync(entries, cancellationToken);

        public Task<IReadOnlyList<AuditEntry>> ListAsync(Guid tenantId, AuditFilter filter, Guid? before, int limit, CancellationToken cancellationToken) =>
            inner.ListAsync(tenantId, filter, before, limit, cancellationToken);

        public Task<IReadOnlyDictionary<string, string>> AppNamesAsync(Guid tenantId, IReadOnlyCollection<string> appIds, CancellationToken cancellationToken) =>
            inner.AppNamesAsync(tenantId, appIds, cancellationToken);
    }

    [Fact]
    public async Task AttemptsWaitingOnOneLoginTakeTheirTurnsInTheOrderTheyCame()
    {
        // Note: with one free attempt, each attempt in flight holds the next back until it ends, so exactly one waiter
        // may begin after each success: the one that came first, never one that keeps winning a race on every signal.
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 1));
        await host.SignupAsync("alice@example.com");
        var signals = host.App.Services.GetRequiredService<LoginThrottleSignals>();
        var scopes = new List<AsyncServiceScope>();
        try
        {
            Task<LoginAttempt> Begin()
            {
                var scope = host.App.Services.CreateAsyncScope();
                scopes.Add(scope);
                return scope.ServiceProvider.GetRequiredService<LoginThrottle>().BeginAttemptAsync("alice@example.com", CancellationToken.None);
            }

            var current = await Begin();
            Assert.Equal(ThrottleOutcome.Proceed, current.Outcome);
            var waiting = new List<Task<LoginAttempt>>();
            for (var i = 1; i <= 8; i++)
            {
                waiting.Add(Begin());
                await WaitUntilAsync(() => signals.Waiting == i);
            }

            foreach (var next in waiting.ToList())
            {
                await current.SucceededAsync();
                var first = await AnsweredWithoutTheClockMovingAsync(host, Task.WhenAny(waiting));
                Assert.Same(next, first);
                waiting.Remove(first);
                current = await first;
                Assert.Equal(ThrottleOutcome.Proceed, current.Outcome);
            }

            await current.SucceededAsync();
        }
        finally
        {
            foreach (var scope in scopes)
            {
                await scope.DisposeAsync();
            }
        }

        static async Task WaitUntilAsync(Func<bool> condition)
        {
            for (var i = 0; i < 600 && !condition(); i++)
            {
                await Task.Delay(100);
            }

            Assert.True(condition());
        }
    }

    /// <summary>
    /// Awaits <paramref name="answer"/> while the fake clock stands still, so that nothing but the end of the attempts it
    /// waits for can let it through. Note: the wall-clock bound only turns a wait that would last for ever into a failure
    /// (the clock is then moved past every wait, so the host can stop); it is no measure of speed.
    /// </summary>
    private static async Task<T> AnsweredWithoutTheClockMovingAsync<T>(LatchkeyTestHost host, Task<T> answer)
    {
        try
        {
            return await answer.WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (TimeoutException)
        {
            host.Time.Advance(TimeSpan.FromMinutes(1));
            throw;
        }
    }

    [Fact]
    public async Task OnPostgresAnInstanceWhoseClockRunsAnHourAheadStillWaitsOutTheDelay()
    {
        // Note: SQLite is one machine, whose one clock every user of the file shares; only PostgreSQL has instances
        // on several machines (the suite's PostgreSQL run).
        if (LatchkeyTestHost.Provider != "postgres")
        {
            return;
        }

        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 2, baseDelay: "00:10:00"), databaseClock: true);
        await using var skewed = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 2, baseDelay: "00:10:00"), sameDatabaseAs: host, databaseClock: true);
        skewed.Time.SetUtcNow(DateTimeOffset.UtcNow.AddHours(1));
        host.Time.SetUtcNow(DateTimeOffset.UtcNow);
        await host.SignupAsync("alice@example.com");
        await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com"), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "alice@example.com"), HttpStatusCode.Unauthorized);

        var onTheSkewedInstance = await TryLoginAsync(skewed, "alice@example.com", LatchkeyTestHost.Password);
        var onTheOther = await TryLoginAsync(host, "alice@example.com", LatchkeyTestHost.Password);

        await ProblemAssert.IsProblemAsync(onTheSkewedInstance, HttpStatusCode.TooManyRequests);
        await ProblemAssert.IsProblemAsync(onTheOther, HttpStatusCode.TooManyRequests);
        Assert.InRange(onTheSkewedInstance.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task ShortRunsOfFailuresAreForgottenAfterADayQuietWhileLongerRunsAreKept()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Lockout(freeAttempts: 3, baseDelay: "00:00:01"));
        await TryLoginAsync(host, "short-run@example.com");
        await TryLoginAsync(host, "short-run@example.com");
        for (var i = 0; i < 3; i++)
        {
            await TryLoginAsync(host, "long-run@example.com");
        }

        host.Time.Advance(TimeSpan.FromDays(2));

        var remaining = new List<int>();
        for (var i = 0; i < 1000; i++)
        {
            await using var scope = host.App.Services.CreateAsyncScope();
            remaining = await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().LoginThrottles.Select(t => t.Failures).ToListAsync();
            if (remaining.Count == 1)
            {
                break;
            }

            await Task.Delay(10);
        }

        Assert.Equal([3], remaining);
        // Note: the long run still counts: one more failure brings the next delay, not a fresh start.
        await TryLoginAsync(host, "long-run@example.com");
        await ProblemAssert.IsProblemAsync(await TryLoginAsync(host, "long-run@example.com"), HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task WithALoginDigestKeyCountersAreKeyedByAnHmacAndStillThrottle()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var host = await LatchkeyTestHost.StartAsync(
            new Dictionary<string, string?>(Lockout(freeAttempts: 2)) { ["Latchkey:Lockout:LoginDigestKey"] = key });

        await TryLoginAsync(host, "someone@example.com");
        await TryLoginAsync(host, "someone@example.com");
        var delayed = await TryLoginAsync(host, "someone@example.com");

        await ProblemAssert.IsProblemAsync(delayed, HttpStatusCode.TooManyRequests);
        await using var scope = host.App.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().LoginThrottles.Select(t => t.LoginDigest).SingleAsync();
        var plain = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("someone@example.com"u8));
        var keyed = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(Convert.FromBase64String(key), "someone@example.com"u8));
        Assert.Equal(keyed, stored);
        Assert.NotEqual(plain, stored);
    }

    [Fact]
    public async Task AShortLoginDigestKeyStopsTheHostAtStartWithTheSettingNamed()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => LatchkeyTestHost.StartAsync(
            new Dictionary<string, string?> { ["Latchkey:Lockout:LoginDigestKey"] = Convert.ToBase64String(new byte[16]) }));

        Assert.Contains("Latchkey:Lockout:LoginDigestKey", error.Message);
    }
}
