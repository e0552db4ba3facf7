using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Latchkey.Core.Tests.Diagnostics;

public sealed partial class LatchkeyMetricsTests : IDisposable
{
    // Note: a meter factory of this test's own, so that listeners hear this test's instruments and no other.
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private IMeterFactory Meters => _services.GetRequiredService<IMeterFactory>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void EachCallIsRecordedOnItsInstrumentWithItsTag()
    {
        var metrics = new LatchkeyMetrics(Meters);
        using var authentications = Collect<long>("latchkey.authentications");
        using var durations = Collect<double>("latchkey.authentication.duration");
        using var evictions = Collect<long>("latchkey.credential_cache.evictions");
        using var logins = Collect<long>("latchkey.logins");
        using var hits = Collect<long>("latchkey.credential_cache.hits");
        using var misses = Collect<long>("latchkey.credential_cache.misses");
        using var missAnswers = Collect<long>("latchkey.credential_cache.miss_answers");

        metrics.Authenticated(LatchkeyMetrics.AuthenticationOutcomes.Of(CredentialFailure.IdleExpired));
        metrics.RecordAuthentication(metrics.StartAuthentication(), LatchkeyMetrics.CacheLookups.Hit);
        metrics.CacheHit();
        metrics.CacheMiss();
        metrics.MissAnswered(LatchkeyMetrics.MissAnswers.Shared);
        metrics.CacheEvicted(LatchkeyMetrics.EvictionReasons.Invalidated, 3);
        metrics.LoggedIn(LatchkeyMetrics.LoginOutcomes.Locked);

        Assert.Equal("idle_expired", authentications.LastMeasurement?.Tags["outcome"]);
        Assert.Equal("hit", durations.LastMeasurement?.Tags["cache"]);
        Assert.Equal("shared", missAnswers.LastMeasurement?.Tags["source"]);
        Assert.True(durations.LastMeasurement?.Value >= 0);
        Assert.Equal(1, hits.LastMeasurement?.Value);
        Assert.Equal(1, misses.LastMeasurement?.Value);
        Assert.Equal(3, evictions.LastMeasurement?.Value);
        Assert.Equal("invalidated", evictions.LastMeasurement?.Tags["reason"]);
        Assert.Equal("locked", logins.LastMeasurement?.Tags["outcome"]);
    }

    [Fact]
    public void WithNobodyListeningTheDurationReadsNoClockAndRecordsNothing()
    {
        var metrics = new LatchkeyMetrics(Meters);

        var start = metrics.StartAuthentication();
        using var durations = Collect<double>("latchkey.authentication.duration");
        metrics.RecordAuthentication(start, LatchkeyMetrics.CacheLookups.None);

        Assert.Equal(0, start);
        Assert.Empty(durations.GetMeasurementSnapshot());
    }

    [Fact]
    public void EveryValidatorFailureHasAnOutcomeTagOfItsOwn()
    {
        var tags = Enum.GetValues<CredentialFailure>().Select(LatchkeyMetrics.AuthenticationOutcomes.Of).ToList();

        Assert.Equal(tags.Count, tags.Distinct().Count());
        Assert.Equal("success", LatchkeyMetrics.AuthenticationOutcomes.Of(CredentialFailure.None));
    }

    [Fact]
    public void RecordingAllocatesNothingWhetherOrNotAnyoneListens()
    {
        var metrics = new LatchkeyMetrics(Meters);
        var unheard = AllocatedBy(metrics);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == Meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        var heard = 0L;
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => heard += value);
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => heard++);
        listener.Start();

        var listened = AllocatedBy(metrics);

        Assert.Equal(0, unheard);
        Assert.Equal(0, listened);
        Assert.True(heard > 0);
    }

    [Fact]
    public void EveryInstrumentIsListedInTheOperationsGuide()
    {
        var published = new List<Instrument>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Scope == Meters)
            {
                published.Add(instrument);
            }
        };
        listener.Start();
        _ = new LatchkeyMetrics(Meters);
        _ = new Latchkey.Core.Email.EmailMetrics(Meters);
        var guide = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "operations.md"));
        // Note: the first table is the core's instruments; the host's gauges follow in a table of their own, checked by
        // the server's metrics tests.
        var table = guide[guide.IndexOf("| instrument |", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n\n", StringComparison.Ordinal)];
        var documented = DocumentedInstrument().Matches(table).Select(m => m.Groups["name"].Value).ToHashSet();

        Assert.Equal(documented.Order(), published.Select(i => i.Name).Order());
        Assert.All(published, i => Assert.Equal(LatchkeyMetrics.MeterName, i.Meter.Name));
        Assert.All(published, i => Assert.False(string.IsNullOrEmpty(i.Unit)));
    }

    /// <summary>Bytes allocated on this thread by one call of every method, after a first round that warms them up.</summary>
    private static long AllocatedBy(LatchkeyMetrics metrics)
    {
        CallEveryMethod(metrics);
        var before = GC.GetAllocatedBytesForCurrentThread();
        CallEveryMethod(metrics);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static void CallEveryMethod(LatchkeyMetrics metrics)
    {
        metrics.Authenticated(LatchkeyMetrics.AuthenticationOutcomes.Success);
        metrics.RecordAuthentication(metrics.StartAuthentication(), LatchkeyMetrics.CacheLookups.Miss);
        metrics.CacheHit();
        metrics.CacheMiss();
        metrics.MissAnswered(LatchkeyMetrics.MissAnswers.Shared);
        metrics.CacheEvicted(LatchkeyMetrics.EvictionReasons.Capacity);
        metrics.LoggedIn(LatchkeyMetrics.LoginOutcomes.Refused);
        metrics.HashingQueued();
        metrics.HashingDequeued();
        metrics.HashingWaited(TimeSpan.FromMilliseconds(3));
        metrics.HashingRefused();
    }

    private MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(Meters, LatchkeyMetrics.MeterName, instrument);

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Latchkey.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Latchkey.slnx not found above the test assembly.");
    }

    /// <summary>An instrument's row in the guide's table: its name in backquotes at the start of the row.</summary>
    [GeneratedRegex(@"^\| `(?<name>latchkey\.[a-z_.]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedInstrument();
}
