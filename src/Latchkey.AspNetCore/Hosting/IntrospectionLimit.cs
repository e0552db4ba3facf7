using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// The per-caller allowance of introspection requests (<see cref="LatchkeyIntrospectionOptions.RequestsPerSecond"/>).
/// Note: partitioned by the authenticated machine user, not by address: ASP.NET Core's rate-limiting middleware runs
/// before authentication, so this is checked by the endpoint once the caller is known.
/// </summary>
internal sealed class IntrospectionLimit : IDisposable
{
    private readonly PartitionedRateLimiter<Guid> _limiter;

    public IntrospectionLimit(IOptions<LatchkeyIntrospectionOptions> options)
    {
        var perSecond = options.Value.RequestsPerSecond;
        _limiter = PartitionedRateLimiter.Create<Guid, Guid>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = perSecond,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Takes one request from <paramref name="caller"/>'s allowance; false when it is used up.</summary>
    public bool TryAcquire(Guid caller)
    {
        using var lease = _limiter.AttemptAcquire(caller);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
