using System.Collections.Concurrent;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.RateLimiting;

/// <summary>
/// Machine users' own rate limits as the request path sees them: read from the database at most once per
/// <see cref="LatchkeyRateLimitOptions.OverrideRefresh"/> per machine user and instance, forgotten at once on the
/// instance that changed one.
/// </summary>
internal sealed class MachineUserLimits(IServiceScopeFactory scopes, TimeProvider time, IOptions<LatchkeyRateLimitOptions> options)
{
    private const int FirstSweepAt = 1024;

    private readonly ConcurrentDictionary<Guid, Known> _known = new();
    private int _sweepAt = FirstSweepAt;

    /// <summary>The machine user's own (permits, window in seconds), or null when the endpoint's numbers apply.</summary>
    public async ValueTask<(int Permits, int WindowSeconds)?> FindAsync(Guid machineUserId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_known.TryGetValue(machineUserId, out var known) && known.Until > now)
        {
            return known.Limit;
        }

        await using var scope = scopes.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<IMachineUserRateLimitStore>().FindAsync(machineUserId, cancellationToken);
        var limit = row is null ? ((int, int)?)null : (row.Permits, row.WindowSeconds);
        _known[machineUserId] = new Known(limit, now + options.Value.OverrideRefresh);
        if (_known.Count >= Volatile.Read(ref _sweepAt))
        {
            foreach (var (id, entry) in _known)
            {
                if (entry.Until <= now)
                {
                    _known.TryRemove(id, out _);
                }
            }

            Volatile.Write(ref _sweepAt, Math.Max(FirstSweepAt, _known.Count * 2));
        }

        return limit;
    }

    public void Forget(Guid machineUserId) => _known.TryRemove(machineUserId, out _);

    private sealed record Known((int Permits, int WindowSeconds)? Limit, DateTimeOffset Until);
}
