namespace Latchkey.Core.Stores;

/// <summary>
/// The clock that every instance sharing the database agrees on, for what instances must judge alike in time (the
/// per-login delays): the database server's where instances on several machines share it (PostgreSQL), so that an
/// instance whose own clock is skewed can neither skip a delay nor impose one on the others.
/// </summary>
internal interface IDatabaseClock
{
    /// <summary>The database's current instant, or null where the process clock is the shared one.</summary>
    ValueTask<DateTimeOffset?> NowAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether <see cref="NowAsync"/> reads the database server's clock; false where the process clock is the shared one,
    /// so that a statement can be given the process's instant instead of taking the server's.
    /// </summary>
    bool ReadsTheServer => true;
}

/// <summary>
/// No clock of the database's own: one machine holds the database (SQLite), so the process clock (the host's
/// <see cref="TimeProvider"/>) is the one every user of the file shares.
/// </summary>
internal sealed class ProcessClock : IDatabaseClock
{
    public ValueTask<DateTimeOffset?> NowAsync(CancellationToken cancellationToken) => ValueTask.FromResult<DateTimeOffset?>(null);

    public bool ReadsTheServer => false;
}
