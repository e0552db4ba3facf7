using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// The cache misses of one kind that wait at the same moment, read together: one statement (<c>… = ANY($1)</c>) for up
/// to <see cref="MaxKeys"/> keys, on at most as many connections of the lookup pool as it has. While every connection is
/// busy, the misses that arrive queue and go out together with the next statement; a lone miss goes out at once.
/// </summary>
/// <remarks>
/// Note: under load PostgreSQL spends most of a one-row read on what every statement costs (waking its backend, the
/// executor's start and end, the round trip), and the instances on one asynchronous round trip per miss; a read of a
/// few dozen keys costs little more than that of one (docs/benchmarks.md, issue 21's (b)).
/// </remarks>
internal sealed class PostgresLookupBatches<TRow>
    where TRow : struct
{
    /// <summary>The most keys in one statement.</summary>
    internal const int MaxKeys = 64;

    private readonly NpgsqlDataSource _lookups;
    private readonly string _sql;
    private readonly Func<NpgsqlDataReader, (string Key, TRow Row)> _read;
    private readonly int _connections;
    private readonly ConcurrentQueue<Pending> _queue = new();
    private int _draining;
    private long _statements;

    /// <param name="lookups">The lookup pool.</param>
    /// <param name="connections">The most statements in flight at once: the lookup pool's size.</param>
    /// <param name="sql">A statement with one parameter, the keys (<c>varchar[]</c>), that answers a row per key found.</param>
    /// <param name="read">Reads the key and the row at the reader's position.</param>
    public PostgresLookupBatches(NpgsqlDataSource lookups, int connections, string sql, Func<NpgsqlDataReader, (string Key, TRow Row)> read)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        _lookups = lookups;
        _connections = connections;
        _sql = sql;
        _read = read;
    }

    /// <summary>Statements run so far (a diagnostic: tests see the batching with it).</summary>
    public long Statements => Interlocked.Read(ref _statements);

    /// <summary>The row of <paramref name="key"/>, or null when there is none.</summary>
    /// <remarks>
    /// Note: <paramref name="cancellationToken"/> ends only this caller's wait; the statement goes on for the others in
    /// it, bounded by the command timeout.
    /// </remarks>
    public Task<TRow?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var pending = new Pending(key);
        _queue.Enqueue(pending);
        TryStartDrain();
        return cancellationToken.CanBeCanceled ? pending.Task.WaitAsync(cancellationToken) : pending.Task;
    }

    private void TryStartDrain()
    {
        if (TryTakeSlot())
        {
            // Note: started on this thread, which sends the statement, rather than on one woken for it: under load a
            // thread hop per miss was a good part of a miss's cost on the instances. The drain returns at its first
            // wait; it runs for every miss it reads, so it does not carry this caller's context (its activity, its scopes).
            using (ExecutionContext.SuppressFlow())
            {
                _ = DrainAsync();
            }
        }
    }

    /// <summary>Takes one of the <see cref="_connections"/> drain slots, unless all are taken.</summary>
    private bool TryTakeSlot()
    {
        while (true)
        {
            var draining = Volatile.Read(ref _draining);
            if (draining >= _connections)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _draining, draining + 1, draining) == draining)
            {
                return true;
            }
        }
    }

    // Note: a connection of the pool per statement, given back at once (a pooled open is a lookup in memory): sessions
    // and machine users share the pool, and a drain that kept one while its own misses kept coming would leave the
    // other kind waiting past the pool's timeout. Nothing leaves this method but its return after giving its slot back:
    // a slot lost would be lost for good.
    private async Task DrainAsync()
    {
        // Note: as on a thread of its own: a statement serves several requests, and is not one request's child.
        Activity.Current = null;
        var batch = new List<Pending>(MaxKeys);
        while (true)
        {
            while (batch.Count < MaxKeys && _queue.TryDequeue(out var pending))
            {
                batch.Add(pending);
            }

            if (batch.Count == 0)
            {
                Interlocked.Decrement(ref _draining);

                // Note: a miss queued between the empty queue and the decrement found every drain busy and started
                // none: this one goes on for it, unless another has started since.
                if (_queue.IsEmpty || !TryTakeSlot())
                {
                    return;
                }

                continue;
            }

            try
            {
                await RunAsync(batch);
            }
            catch (Exception e)
            {
                // Note: every miss of the statement is answered by its error (a 503 while the database is down), never
                // by a guess; the next statement opens a connection again.
                foreach (var pending in batch)
                {
                    pending.TrySetException(e);
                }
            }

            batch.Clear();
        }
    }

    private async Task RunAsync(List<Pending> batch)
    {
        Interlocked.Increment(ref _statements);
        var keys = new string[batch.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = batch[i].Key;
        }

        await using var connection = await _lookups.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(_sql, connection);

        // Note: typed as the column is (varchar), so the prepared statement is the same whatever the keys; Npgsql keeps
        // it prepared on the physical connection, so preparing again is a lookup in memory.
        command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar, TypedValue = keys });
        await command.PrepareAsync();
        var found = new Dictionary<string, TRow>(batch.Count, StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var (key, row) = _read(reader);
                found.TryAdd(key, row);
            }
        }

        foreach (var pending in batch)
        {
            pending.TrySetResult(found.TryGetValue(pending.Key, out var row) ? row : null);
        }
    }

    private sealed class Pending(string key) : TaskCompletionSource<TRow?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string Key { get; } = key;
    }
}
