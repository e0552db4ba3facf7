namespace Latchkey.Core.Tests;

public sealed class LatchkeyLockoutOptionsTests
{
    private static readonly TimeSpan[] ExtremeDelays =
    [
        TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15),
        TimeSpan.FromDays(365), TimeSpan.FromTicks(TimeSpan.MaxValue.Ticks / 3), TimeSpan.FromTicks((TimeSpan.MaxValue.Ticks / 2) + 1),
        TimeSpan.MaxValue,
    ];

    /// <summary>Every count from none to well past any real run, and the neighbourhood of <see cref="int.MaxValue"/>.</summary>
    private static IEnumerable<int> Counts() =>
        Enumerable.Range(0, 5_000)
            .Concat(Enumerable.Range(0, 31).Select(i => 1 << i))
            .Concat(Enumerable.Range(int.MaxValue - 5_000, 5_000))
            .Append(int.MaxValue)
            .Distinct()
            .Order();

    [Fact]
    public void DelayAfterNeverOverflowsAndStaysWithinMaxDelayForAnyCountAndExtremeDelays()
    {
        foreach (var freeAttempts in new[] { 1, 5, 100, int.MaxValue })
        {
            foreach (var baseDelay in ExtremeDelays)
            {
                foreach (var maxDelay in ExtremeDelays.Where(d => d >= baseDelay))
                {
                    var options = new LatchkeyLockoutOptions { FreeAttempts = freeAttempts, BaseDelay = baseDelay, MaxDelay = maxDelay };
                    var previous = TimeSpan.Zero;
                    foreach (var failures in Counts())
                    {
                        var delay = options.DelayAfter(failures);

                        Assert.InRange(delay, TimeSpan.Zero, maxDelay);
                        Assert.True(delay >= previous, $"the delay fell at {failures} failures ({baseDelay}, {maxDelay})");
                        Assert.Equal(failures < freeAttempts ? TimeSpan.Zero : Expected(baseDelay, maxDelay, failures - freeAttempts), delay);
                        previous = delay;
                    }
                }
            }
        }
    }

    [Fact]
    public void DelayAfterDoublesFromTheBaseDelayUntilTheMaxDelay()
    {
        var options = new LatchkeyLockoutOptions { FreeAttempts = 5, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromMinutes(15) };

        Assert.Equal(
            [0, 0, 1, 2, 4, 8, 512, 900, 900, 900],
            new[] { 0, 4, 5, 6, 7, 8, 14, 15, 45, int.MaxValue }.Select(n => options.DelayAfter(n).TotalSeconds));
    }

    // Note: the reference in arbitrary precision, so it cannot overflow the way the code under test could.
    private static TimeSpan Expected(TimeSpan baseDelay, TimeSpan maxDelay, int doublings) =>
        TimeSpan.FromTicks((long)System.Numerics.BigInteger.Min(
            new System.Numerics.BigInteger(baseDelay.Ticks) << Math.Min(doublings, 100), maxDelay.Ticks));
}
