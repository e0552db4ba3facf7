using System.Diagnostics;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Latchkey.Storage.Tests.Stores;

/// <summary>
/// The counters instances share on PostgreSQL (SQLite's one instance counts in memory, so registers none). Each test
/// uses two service providers on one database, as two instances have. The time each statement takes is written to the
/// output (docs/authorization.md quotes it), never asserted.
/// </summary>
public sealed class PostgresSharedLimitStoreTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ConcurrentLeasesFromTwoInstancesNeverGrantMoreThanTheLimitAndGrantAllOfIt()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var first = PostgresDatabase.CreateProvider(database.ConnectionString);
        await using var second = PostgresDatabase.CreateProvider(database.ConnectionString);
        var instances = new[] { first, second }.Select(sp => sp.GetRequiredService<ISharedLimitStore>()).ToArray();

        var clock = Stopwatch.StartNew();
        var grants = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            instances[i % 2].LeaseAsync("s:alice|p:reports|60", 1_800_000_000, 1_800_000_060, block: 7, permits: 100, CancellationToken.None).AsTask()));
        output.WriteLine($"60 leases over 2 instances at once: {clock.Elapsed.TotalMilliseconds / 60:F2} ms each on average");
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            await instances[0].LeaseAsync("s:bob|p:reports|60", 1_800_000_000, 1_800_000_060, block: 33, permits: 1_000_000, CancellationToken.None);
        }

        output.WriteLine($"a lease, one after another: {warm.Elapsed.TotalMilliseconds / 200:F3} ms warm");

        Assert.Equal(100, grants.Sum(g => g.Granted));
        Assert.All(grants, g => Assert.InRange(g.Granted, 0, 7));
        Assert.Equal(45, grants.Count(g => g.Granted == 0));
        Assert.Equal((0, 100L), await instances[0].LeaseAsync("s:alice|p:reports|60", 1_800_000_000, 1_800_000_060, 7, 100, CancellationToken.None));
        Assert.Equal(7, (await instances[1].LeaseAsync("s:alice|p:reports|60", 1_800_000_060, 1_800_000_120, 7, 100, CancellationToken.None)).Granted);
    }

    [Fact]
    public async Task FailuresChargedByTwoInstancesDrawOnOneBucketThatRefillsAtItsRate()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var otherProvider = PostgresDatabase.CreateProvider(database.ConnectionString);
        await using var scope = database.CreateScope();
        var one = scope.ServiceProvider.GetRequiredService<ISharedLimitStore>();
        var other = otherProvider.GetRequiredService<ISharedLimitStore>();
        var start = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

        var before = await one.FailuresLeftAsync("198.51.100.20", 3, 1, start, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var left = new[]
        {
            one.ChargeFailure("198.51.100.20", 3, 1, start),
            other.ChargeFailure("198.51.100.20", 3, 1, start),
            one.ChargeFailure("198.51.100.20", 3, 1, start),
            other.ChargeFailure("198.51.100.20", 3, 1, start),
        };
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            one.ChargeFailure("203.0.113.99", 1000, 1, start);
        }

        output.WriteLine($"a counted failure: {warm.Elapsed.TotalMilliseconds / 200:F3} ms warm (the first four, cold: {clock.Elapsed.TotalMilliseconds / 4:F2} ms)");
        var twoMinutesLater = await other.FailuresLeftAsync("198.51.100.20", 3, 1, start.AddMinutes(2), CancellationToken.None);
        var elsewhere = await other.FailuresLeftAsync("198.51.100.21", 3, 1, start, CancellationToken.None);

        Assert.Null(before);
        Assert.Equal([2d, 1d, 0d, -1d], left);
        Assert.Equal(1d, twoMinutesLater);
        Assert.Null(elsewhere);
    }
}
