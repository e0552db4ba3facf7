using System.Diagnostics.Metrics;
using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Latchkey's gauges, read when the metrics are collected: the credential cache's size, the change feed's state
/// (listening, lease remaining) and the machine tokens expiring within 7 days. Registered as a hosted service so that
/// they exist from start-up; nothing is measured while no exporter listens.
/// </summary>
internal sealed class StateGauges : IHostedService
{
    /// <summary>How far ahead an expiring machine token is counted.</summary>
    public static readonly TimeSpan ExpiringWithin = TimeSpan.FromDays(7);

    // Note: the count is a query over every tenant's machine users, so it is made at most once a minute however
    // often the metrics are scraped (and never more than one at a time).
    private static readonly TimeSpan CountValidFor = TimeSpan.FromMinutes(1);

    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILogger<StateGauges> _logger;
    private readonly Lock _counting = new();
    private long _expiring = -1;
    private long _countedAt = long.MinValue;

    public StateGauges(IMeterFactory meters, CredentialCache cache, ICredentialChangeFeed feed, IServiceScopeFactory scopes,
        TimeProvider time, ILogger<StateGauges> logger)
    {
        _scopes = scopes;
        _time = time;
        _logger = logger;
        var meter = meters.Create(LatchkeyMetrics.MeterName);
        meter.CreateObservableGauge("latchkey.credential_cache.entries", () => cache.Count, "{entry}",
            "Credentials held in the verified-credential cache.");
        meter.CreateObservableGauge("latchkey.change_feed.listening", () => feed.IsListening ? 1 : 0, "{state}",
            "1 while the credential change feed is in contact with the database, 0 otherwise (the cache is then distrusted within a lease).");
        meter.CreateObservableGauge("latchkey.change_feed.lease_remaining", () => feed.LeaseRemaining.TotalSeconds, "s",
            "How much longer the credential cache is trusted without further contact with the change feed (0: not trusted; requests read the database).");
        meter.CreateObservableGauge("latchkey.machine_tokens.expiring", ObserveExpiring, "{token}",
            "Machine tokens that expire within the next 7 days (counted at most once a minute).");
    }

    private IEnumerable<Measurement<long>> ObserveExpiring()
    {
        lock (_counting)
        {
            var now = _time.GetTimestamp();
            if (_expiring < 0 || _time.GetElapsedTime(_countedAt, now) >= CountValidFor)
            {
                try
                {
                    // Note: the exporter's collection is synchronous; one short indexed count, on its own scope.
                    _expiring = Task.Run(CountAsync).GetAwaiter().GetResult();
                    _countedAt = now;
                }
                catch (Exception e)
                {
                    Log.ExpiringTokensNotCounted(_logger, e);
                }
            }

            return _expiring < 0 ? [] : [new Measurement<long>(_expiring)];
        }
    }

    private async Task<long> CountAsync()
    {
        await using var scope = _scopes.CreateAsyncScope();
        var now = _time.GetUtcNow();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await scope.ServiceProvider.GetRequiredService<IUserStore>().CountMachineTokensExpiringAsync(now, now + ExpiringWithin, timeout.Token);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
