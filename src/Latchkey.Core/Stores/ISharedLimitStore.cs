namespace Latchkey.Core.Stores;

/// <summary>
/// Counters that every instance shares, so that N instances do not give a client N allowances. Registered only where
/// instances can be several (PostgreSQL); without it each limit counts in memory, which is exact for SQLite's one
/// instance. Each method is one atomic statement: instances need no lock of their own.
/// </summary>
internal interface ISharedLimitStore
{
    /// <summary>
    /// Charges <paramref name="client"/> one failed password check against a token bucket of <paramref name="burst"/>
    /// refilling at <paramref name="perMinute"/>; returns the tokens left, below one when the allowance is used up.
    /// Synchronous: its callers charge right after a synchronous hash, inside its slot. Time is <paramref name="now"/>,
    /// or when it is null the database server's (see <see cref="IDatabaseClock"/>).
    /// </summary>
    double ChargeFailure(string client, double burst, double perMinute, DateTimeOffset? now);

    /// <summary>The failures <paramref name="client"/> has left now, or null when it has no failures on record.</summary>
    ValueTask<double?> FailuresLeftAsync(string client, double burst, double perMinute, DateTimeOffset? now, CancellationToken cancellationToken);

    /// <summary>
    /// Leases up to <paramref name="block"/> permits of the window [<paramref name="windowStart"/>,
    /// <paramref name="windowEnd"/>) (Unix seconds) of <paramref name="key"/>, whose limit is <paramref name="permits"/>;
    /// returns how many were granted (0 when the window is used up) and how many the window has handed out in all.
    /// </summary>
    ValueTask<(int Granted, long Used)> LeaseAsync(string key, long windowStart, long windowEnd, int block, int permits, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> ended windows and allowances whole again; returns how many.
    /// </summary>
    Task<int> PurgeAsync(long nowSeconds, double burst, double perMinute, DateTimeOffset? now, int batchSize, CancellationToken cancellationToken);
}
