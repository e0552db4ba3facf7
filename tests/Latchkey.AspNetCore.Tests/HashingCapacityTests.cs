using System.Net;

namespace Latchkey.AspNetCore.Tests;

public sealed class HashingCapacityTests
{
    [Fact]
    public async Task WhileHashingIsAtCapacityFurtherLoginsGetServiceUnavailableWithoutHashing()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Hashing:MaxConcurrency"] = "1",
            ["Latchkey:Hashing:QueueLimit"] = "0",
        }, services: counter.Register);
        var release = new TaskCompletionSource();
        counter.Hold = release;
        var first = host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "user0@example.com", password = "not the right passphrase", appId = "app-instance-1" });
        await counter.Held.Task;

        var burst = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = $"user{i}@example.com", password = "not the right passphrase", appId = "app-instance-1" })));
        release.SetResult();

        await ProblemAssert.IsProblemAsync(await first, HttpStatusCode.Unauthorized);
        foreach (var response in burst)
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(response.Headers.RetryAfter);
        }

        Assert.Equal(1, counter.Verifications);
        Assert.Equal(1, counter.MaxConcurrent);
    }

    [Fact]
    public async Task QueuedLoginsWaitForASlotAndAreAllAnswered()
    {
        var counter = new CountingPasswordHasher();
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Hashing:MaxConcurrency"] = "1",
            ["Latchkey:Hashing:QueueLimit"] = "100",
        }, services: counter.Register);
        var release = new TaskCompletionSource();
        counter.Hold = release;
        var first = host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "user0@example.com", password = "not the right passphrase", appId = "app-instance-1" });
        await counter.Held.Task;

        var queued = Enumerable.Range(1, 20).Select(i => host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = $"user{i}@example.com", password = "not the right passphrase", appId = "app-instance-1" })).ToList();
        release.SetResult();
        var responses = await Task.WhenAll(queued.Append(first));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal(21, counter.Verifications);
        Assert.Equal(1, counter.MaxConcurrent);
    }
}
