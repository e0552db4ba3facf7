using System.Diagnostics.Metrics;
using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Latchkey.Core.Tests.Credentials;

public sealed class HashingGateTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();

    // Note: a meter factory of this test's own, so that collectors hear this test's gate and no other.
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private IMeterFactory Meters => _services.GetRequiredService<IMeterFactory>();

    public void Dispose() => _services.Dispose();

    private HashingGate Gate(int concurrency, int queueTimeoutSeconds) => new(
        Options.Create(new LatchkeyHashingOptions { MaxConcurrency = concurrency, QueueTimeout = TimeSpan.FromSeconds(queueTimeoutSeconds) }),
        _time, new LatchkeyMetrics(Meters));

    /// <summary>One hash that holds its slot for <paramref name="duration"/> on the fake clock.</summary>
    private async Task HashAsync(HashingGate gate, TimeSpan duration)
    {
        using (await gate.EnterAsync(CancellationToken.None))
        {
            _time.Advance(duration);
        }
    }

    [Fact]
    public async Task RequestsAreQueuedWhileTheirExpectedWaitStaysUnderTheQueueTimeoutAndRefusedWithThatWaitBeyond()
    {
        using var gate = Gate(concurrency: 2, queueTimeoutSeconds: 10);
        await HashAsync(gate, TimeSpan.FromSeconds(1));
        var running = new[] { await gate.EnterAsync(CancellationToken.None), await gate.EnterAsync(CancellationToken.None) };

        // Note: the k-th queued request expects k × 1 s ÷ 2 slots: up to the 20th it is under 10 s.
        var queued = Enumerable.Range(0, 20).Select(_ => gate.EnterAsync(CancellationToken.None).AsTask()).ToList();
        var refused = await Assert.ThrowsAsync<HashingCapacityExceededException>(() => gate.EnterAsync(CancellationToken.None).AsTask());

        Assert.All(queued, q => Assert.False(q.IsCompleted));
        Assert.Equal(TimeSpan.FromSeconds(10.5), refused.ExpectedWait);
        Assert.Equal(TimeSpan.FromSeconds(10), refused.RetryAfter);
        Assert.Equal(22, gate.InGate);
        foreach (var slot in running)
        {
            slot.Dispose();
        }

        foreach (var q in queued)
        {
            (await q).Dispose();
        }

        Assert.Equal(0, gate.InGate);
    }

    [Fact]
    public async Task AfterAStormOfRefusedRequestsThatNeverReturnTheNextRefusedClientIsToldToComeBackWithinTheQueueTimeout()
    {
        using var gate = Gate(concurrency: 2, queueTimeoutSeconds: 10);
        await HashAsync(gate, TimeSpan.FromSeconds(1));
        var running = new[] { await gate.EnterAsync(CancellationToken.None), await gate.EnterAsync(CancellationToken.None) };
        var queued = Enumerable.Range(0, 20).Select(_ => gate.EnterAsync(CancellationToken.None).AsTask()).ToList();

        // Note: an attacker that ignores Retry-After; none of these requests ever comes back.
        for (var i = 0; i < 10_000; i++)
        {
            await Assert.ThrowsAsync<HashingCapacityExceededException>(() => gate.EnterAsync(CancellationToken.None).AsTask());
        }

        var honest = await Assert.ThrowsAsync<HashingCapacityExceededException>(() => gate.EnterAsync(CancellationToken.None).AsTask());

        Assert.InRange(honest.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        foreach (var slot in running)
        {
            slot.Dispose();
        }

        foreach (var q in queued)
        {
            (await q).Dispose();
        }
    }

    [Fact]
    public async Task AVerificationNeedingSeveralSlotsWaitsUntilThatManyAreFreeAndHoldsThemAll()
    {
        using var gate = Gate(concurrency: 2, queueTimeoutSeconds: 10);
        await HashAsync(gate, TimeSpan.FromSeconds(1));
        var one = await gate.EnterAsync(CancellationToken.None);

        // Note: four slots' worth of memory on a gate of two: it takes both, and runs alone.
        var large = gate.EnterAsync(4, CancellationToken.None).AsTask();
        Assert.False(large.IsCompleted);
        Assert.Equal(3, gate.InGate);
        one.Dispose();
        var held = await large;
        var next = gate.EnterAsync(CancellationToken.None).AsTask();

        Assert.False(next.IsCompleted);
        held.Dispose();
        (await next).Dispose();
        Assert.Equal(0, gate.InGate);
    }

    [Fact]
    public async Task SlotsAreHandedOutFirstComeFirstServed()
    {
        using var gate = Gate(concurrency: 1, queueTimeoutSeconds: 10);
        var holder = await gate.EnterAsync(CancellationToken.None);
        var queued = Enumerable.Range(0, 5).Select(_ => gate.EnterAsync(CancellationToken.None).AsTask()).ToList();

        holder.Dispose();
        for (var i = 0; i < queued.Count; i++)
        {
            var slot = await queued[i];
            Assert.All(queued.Skip(i + 1), later => Assert.False(later.IsCompleted));
            slot.Dispose();
        }
    }

    [Fact]
    public async Task ACallerThatGivesUpLeavesTheQueueAndItsPlaceGoesToTheNextArrival()
    {
        using var gate = Gate(concurrency: 1, queueTimeoutSeconds: 3);
        await HashAsync(gate, TimeSpan.FromSeconds(1));
        var holder = await gate.EnterAsync(CancellationToken.None);
        using var leaving = new CancellationTokenSource();
        var first = gate.EnterAsync(CancellationToken.None).AsTask();
        var second = gate.EnterAsync(leaving.Token).AsTask();
        var third = gate.EnterAsync(CancellationToken.None).AsTask();
        await Assert.ThrowsAsync<HashingCapacityExceededException>(() => gate.EnterAsync(CancellationToken.None).AsTask());

        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        var late = gate.EnterAsync(CancellationToken.None).AsTask();

        holder.Dispose();
        (await first).Dispose();
        (await third).Dispose();
        (await late).Dispose();
        Assert.Equal(0, gate.InGate);
    }

    [Fact]
    public async Task AQueuedRequestGivesUpWithServiceUnavailableAfterTwiceTheQueueTimeout()
    {
        using var gate = Gate(concurrency: 1, queueTimeoutSeconds: 5);
        await HashAsync(gate, TimeSpan.FromSeconds(1));
        var holder = await gate.EnterAsync(CancellationToken.None);
        var queued = gate.EnterAsync(CancellationToken.None).AsTask();

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(queued.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        // Note: what is left in the gate is the holder alone, so the queue it found drains in one hash time.
        Assert.Equal(TimeSpan.FromSeconds(1), (await Assert.ThrowsAsync<HashingCapacityExceededException>(() => queued)).RetryAfter);
        holder.Dispose();
        Assert.Equal(0, gate.InGate);
    }

    [Fact]
    public async Task TheHashTimeFollowsRecentHashesWhileAFewStalledOnesDoNotSwingIt()
    {
        using var gate = Gate(concurrency: 1, queueTimeoutSeconds: 5);
        for (var i = 0; i < 16; i++)
        {
            await HashAsync(gate, TimeSpan.FromMilliseconds(40));
        }

        for (var i = 0; i < 3; i++)
        {
            await HashAsync(gate, TimeSpan.FromSeconds(2));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(40), gate.HashTime);
        for (var i = 0; i < 10; i++)
        {
            await HashAsync(gate, TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), gate.HashTime);
    }

    [Fact]
    public async Task AQueuedRequestsHashTimeCountsFromWhenItsSlotWasHandedOver()
    {
        using var gate = Gate(concurrency: 1, queueTimeoutSeconds: 10);
        var holder = await gate.EnterAsync(CancellationToken.None);
        var queued = gate.EnterAsync(CancellationToken.None).AsTask();
        _time.Advance(TimeSpan.FromSeconds(1));
        holder.Dispose();
        var slot = await queued;

        _time.Advance(TimeSpan.FromSeconds(2));
        slot.Dispose();

        // Note: 1 s for the holder, then 2 s for the queued request (not 3: its wait in the queue is not hashing).
        Assert.Equal(TimeSpan.FromSeconds(1.5), gate.HashTime);
    }

    [Fact]
    public async Task WithNothingQueuedEveryRequestGetsASlotAtOnce()
    {
        using var gate = Gate(concurrency: 2, queueTimeoutSeconds: 1);
        await HashAsync(gate, TimeSpan.FromSeconds(30));

        using var first = await gate.EnterAsync(CancellationToken.None);
        using var second = await gate.EnterAsync(CancellationToken.None);

        Assert.Equal(2, gate.InGate);
    }

    [Fact]
    public async Task TheQueueLengthWaitsAndRefusalsAreMeasured()
    {
        using var queueLength = new MetricCollector<long>(Meters, LatchkeyMetrics.MeterName, "latchkey.hashing.queue_length");
        using var waits = new MetricCollector<double>(Meters, LatchkeyMetrics.MeterName, "latchkey.hashing.wait");
        using var refusals = new MetricCollector<long>(Meters, LatchkeyMetrics.MeterName, "latchkey.hashing.refusals");
        using var held = new MetricCollector<double>(Meters, LatchkeyMetrics.MeterName, "latchkey.hashing.duration");
        using var gate = Gate(concurrency: 1, queueTimeoutSeconds: 2);
        await HashAsync(gate, TimeSpan.FromSeconds(1));
        var holder = await gate.EnterAsync(CancellationToken.None);
        var queued = new[] { gate.EnterAsync(CancellationToken.None).AsTask(), gate.EnterAsync(CancellationToken.None).AsTask() };
        await Assert.ThrowsAsync<HashingCapacityExceededException>(() => gate.EnterAsync(CancellationToken.None).AsTask());
        var queuedAtPeak = queueLength.GetMeasurementSnapshot().Sum(m => m.Value);

        _time.Advance(TimeSpan.FromSeconds(1));
        holder.Dispose();
        (await queued[0]).Dispose();
        (await queued[1]).Dispose();

        Assert.Equal(2, queuedAtPeak);
        Assert.Equal(0, queueLength.GetMeasurementSnapshot().Sum(m => m.Value));
        // Note: the first hash and the holder found a slot free; both queued requests waited the 1 s the holder held it.
        Assert.Equal([0, 0, 1, 1], waits.GetMeasurementSnapshot().Select(m => m.Value).Order());
        Assert.Equal(1, refusals.GetMeasurementSnapshot().Sum(m => m.Value));
        // Note: the first hash and the holder held their slot 1 s each; the two queued requests gave theirs back at once.
        Assert.Equal([0, 0, 1, 1], held.GetMeasurementSnapshot().Select(m => m.Value).Order());
    }
}
