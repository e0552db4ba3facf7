using Latchkey.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// The memory a tracked credential costs. Note: alone in its collection, which xUnit runs after the parallel ones:
/// <see cref="GC.GetTotalMemory"/> is the whole process's, and other test classes allocating at the same time made the
/// figure fail its range in a full run.
/// </summary>
[Collection(nameof(RateLimitMemoryTests))]
public sealed class RateLimitMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ACredentialTrackedInItsWindowTakesUnderThreeHundredBytes()
    {
        // Note: the figure docs/authorization.md states; retained bytes of 100,000 tracked credentials, in memory mode.
        var limiter = new CredentialRateLimiter(new FakeTimeProvider(LatchkeyTestHost.Start), Options.Create(new LatchkeyRateLimitOptions()));
        var sessions = Enumerable.Range(0, 100_000).Select(_ => Guid.NewGuid()).ToArray();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var session in sessions)
        {
            _ = await limiter.AcquireAsync($"s:{session}|e:/api/reports|60", 1000, 60);
        }

        var perEntry = (GC.GetTotalMemory(forceFullCollection: true) - before) / sessions.Length;

        output.WriteLine($"{perEntry} bytes per tracked credential");
        Assert.Equal(100_000, limiter.TrackedCredentials);
        Assert.InRange(perEntry, 1, 300);
    }
}

[CollectionDefinition(nameof(RateLimitMemoryTests), DisableParallelization = true)]
public sealed class RateLimitMemoryCollection;
