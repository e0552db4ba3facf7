using System.Diagnostics.Metrics;
using System.Net;
using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Latchkey.AspNetCore.Tests;

public sealed class HashingCapacityTests
{
    private static Dictionary<string, string?> OneSlot(int queueTimeoutSeconds = 5) => new()
    {
        ["Latchkey:Hashing:MaxConcurrency"] = "1",
        ["Latchkey:Hashing:QueueTimeout"] = TimeSpan.FromSeconds(queueTimeoutSeconds).ToString(),
    };

    private static Task<HttpResponseMessage> WrongLoginAsync(LatchkeyTestHost host, int i, CancellationToken cancellationToken = default) =>
        host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/login")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { login = $"user{i}@example.com", password = "not the right passphrase", appId = "app-instance-1" }),
        }, cancellationToken);

    /// <summary>
    /// Holds verifications in the hasher while the fake clock moves on by <paramref name="duration"/>, so the gate
    /// measures hashes that long (tests run cheap Argon2 on a clock that does not move by itself): nine of them, a
    /// majority of the gate's window of sixteen, so that its median is this duration.
    /// </summary>
    internal static async Task MeasureSlowHashAsync(LatchkeyTestHost host, CountingPasswordHasher counter, TimeSpan duration)
    {
        for (var i = 0; i < 9; i++)
        {
            var release = new TaskCompletionSource();
            counter.Hold = release;
            var login = WrongLoginAsync(host, 900 + i);
            await counter.Held.Task;
            host.Time.Advance(duration);
            release.SetResult();
            Assert.Equal(HttpStatusCode.Unauthorized, (await login).StatusCode);
        }
    }

    [Fact]
    public async Task LoginsWhoseExpectedWaitIsOverTheQueueTimeoutGetServiceUnavailableWithRetryAfterTheQueueTimeoutWithoutHashingAndAreCountedBusy()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(OneSlot(queueTimeoutSeconds: 5), services: counter.Register);
        var meters = host.App.Services.GetRequiredService<IMeterFactory>();
        using var logins = new MetricCollector<long>(meters, LatchkeyMetrics.MeterName, "latchkey.logins");
        using var refusals = new MetricCollector<long>(meters, LatchkeyMetrics.MeterName, "latchkey.hashing.refusals");
        var gate = host.App.Services.GetRequiredService<HashingGate>();
        await MeasureSlowHashAsync(host, counter, TimeSpan.FromSeconds(2));
        var hashTime = gate.HashTime;
        var admitted = (int)(TimeSpan.FromSeconds(5) / hashTime);
        var release = new TaskCompletionSource();
        counter.Hold = release;
        var first = WrongLoginAsync(host, 0);
        await counter.Held.Task;
        var verified = counter.Verifications;

        var burst = Enumerable.Range(1, 20).Select(i => WrongLoginAsync(host, i)).ToList();
        await WaitUntilAsync(() => gate.InGate == 1 + admitted && burst.Count(r => r.IsCompleted) >= 20 - admitted);
        var refused = burst.Where(r => r.IsCompleted).Select(r => r.Result).ToList();

        Assert.InRange(admitted, 1, 19);
        Assert.Equal(20 - admitted, refused.Count);
        Assert.Equal(verified, counter.Verifications);
        Assert.Equal(refused.Count, logins.GetMeasurementSnapshot().Count(m => Equals(m.Tags["outcome"], "busy")));
        Assert.Equal(refused.Count, refusals.GetMeasurementSnapshot().Sum(m => m.Value));
        foreach (var response in refused)
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
            // Note: the wait for everyone queued ahead of it and itself is over the queue timeout; by then the queue
            // it found has been served, so that is when it is told to come back.
            Assert.True(hashTime * (admitted + 1) > TimeSpan.FromSeconds(5));
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter!.Delta);
        }

        release.SetResult();
        var answered = await Task.WhenAll(burst.Where(r => !refused.Contains(r.Result)).Append(first));
        Assert.All(answered, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal(verified + admitted, counter.Verifications);
        Assert.Equal(1, counter.MaxConcurrent);

        // Note: the client that honours Retry-After finds the queue drained and is served.
        host.Time.Advance(refused[0].Headers.RetryAfter!.Delta!.Value);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WrongLoginAsync(host, 1)).StatusCode);
    }

    [Fact]
    public async Task QueuedLoginsWaitForASlotAndAreAllAnswered()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(OneSlot(), services: counter.Register);
        var release = new TaskCompletionSource();
        counter.Hold = release;
        var first = WrongLoginAsync(host, 0);
        await counter.Held.Task;

        var queued = Enumerable.Range(1, 20).Select(i => WrongLoginAsync(host, i)).ToList();
        release.SetResult();
        var responses = await Task.WhenAll(queued.Append(first));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal(21, counter.Verifications);
        Assert.Equal(1, counter.MaxConcurrent);
    }

    [Fact]
    public async Task AClientThatDisconnectsLeavesTheQueueUnverifiedAndUncounted()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(OneSlot())
        {
            ["Latchkey:Lockout:FreeAttempts"] = "1",
        }, services: counter.Register);
        await host.SignupAsync("alice@example.com");
        var gate = host.App.Services.GetRequiredService<HashingGate>();
        var release = new TaskCompletionSource();
        counter.Hold = release;
        var first = WrongLoginAsync(host, 0);
        await counter.Held.Task;
        var verified = counter.Verifications;

        using var leaving = new CancellationTokenSource();
        var gone = host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/login")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { login = "alice@example.com", password = "not the right passphrase", appId = "app-instance-1" }),
        }, leaving.Token);
        await WaitUntilAsync(() => gate.InGate == 2);
        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        await WaitUntilAsync(() => gate.InGate == 1);
        release.SetResult();
        await first;

        // Note: the held verification was already counted when it started; the client that left was never verified.
        Assert.Equal(verified, counter.Verifications);
        // Note: with one free attempt, a counted failure would have delayed this login.
        await host.LoginAsync("alice@example.com", "app-instance-2");
    }

    [Fact]
    public async Task ABurstOfRefusalsIsLoggedAsOneSummaryLine()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(OneSlot(queueTimeoutSeconds: 1), services: counter.Register);
        await MeasureSlowHashAsync(host, counter, TimeSpan.FromSeconds(60));
        var release = new TaskCompletionSource();
        counter.Hold = release;
        var first = WrongLoginAsync(host, 0);
        await counter.Held.Task;

        var refused = await Task.WhenAll(Enumerable.Range(1, 12).Select(i => WrongLoginAsync(host, i)));
        release.SetResult();
        await first;
        var before = host.Logs.GetSnapshot().Count(r => r.Id.Id == 1201);
        host.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.All(refused, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        Assert.Equal(0, before);
        var summary = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 1201);
        Assert.Contains("12 requests answered 503", summary.Message);
    }

    [Fact]
    public async Task AQueueTimeoutLongEnoughToOutlastThePerLoginThrottlesPatienceStopsTheHostAtStart()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            LatchkeyTestHost.StartAsync(OneSlot(queueTimeoutSeconds: 13)));

        Assert.Contains("Latchkey:Hashing:QueueTimeout", error.Message);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 5000 && !condition(); i++)
        {
            await Task.Delay(1);
        }

        Assert.True(condition());
    }
}
