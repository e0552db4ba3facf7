using System.Data.Common;
using System.Diagnostics;
using Latchkey.Core;
using Latchkey.Core.Credentials;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.Storage.Sqlite;

/// <summary>
/// SQLite's change feed, for the processes that share one file: the server, a host that embeds Latchkey beside it
/// (a resource API), the <c>latchkey</c> tool.
/// </summary>
/// <remarks>
/// <para>Every change adds a row to <c>credential_changes</c> inside its transaction, naming the process that made it.
/// Every serving process looks at the rows added since its last look every eighth of a lease, and forgets its whole
/// cache when one came from another process. Each look is one write transaction that also records, in
/// <c>credential_change_readers</c>, how far the process has read; SQLite runs write transactions one at a time, so a
/// look either comes before a change (and the reader's row says it has not seen it) or after it (and has applied it).
/// A process trusts its cache for one lease after its last look.</para>
/// <para>After its change commits, a serving process waits until every reader that looked within the last lease has
/// read past the change, at most one lease: a reader that has not looked by then no longer trusts its cache. A process
/// that serves nothing (the tool) cannot count on being heard and waits one lease (<see cref="UnheardChangeWaits"/>).</para>
/// </remarks>
internal sealed partial class SqliteCredentialChangeFeed(
    string connectionString, CredentialCache cache, UnheardChangeWaits unheard, IOptions<LatchkeyCredentialCacheOptions> options,
    ILogger<SqliteCredentialChangeFeed> logger)
    : ICredentialChangeFeed
{
    private readonly string _me = Guid.NewGuid().ToString("N");
    private readonly TimeSpan _lease = options.Value.Lease;
    private long _trustedUntil;
    private volatile bool _running;

    public bool IsCurrent => Stopwatch.GetTimestamp() < Volatile.Read(ref _trustedUntil);

    public async Task<long> AnnounceAsync(DbConnection connection, DbTransaction? transaction, Guid subject, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO credential_changes (writer, at) VALUES ($writer, $at) RETURNING seq";
        command.Parameters.Add(new SqliteParameter("$writer", _me));
        command.Parameters.Add(new SqliteParameter("$at", DateTimeOffset.UtcNow.UtcTicks));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task AwaitAppliedAsync(long announcement, CancellationToken cancellationToken)
    {
        if (!_running)
        {
            await unheard.WaitAsync(cancellationToken);
            return;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(_lease.TotalSeconds * Stopwatch.Frequency);
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM credential_change_readers WHERE reader <> $me AND at > $since AND seen < $seq";
        command.Parameters.Add(new SqliteParameter("$me", _me));
        command.Parameters.Add(new SqliteParameter("$since", 0L));
        command.Parameters.Add(new SqliteParameter("$seq", announcement));
        while (true)
        {
            command.Parameters["$since"].Value = (DateTimeOffset.UtcNow - _lease).UtcTicks;
            if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 0 || Stopwatch.GetTimestamp() >= deadline)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _running = true;
        long? seen = null;
        var failing = false;
        var looks = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var lookedAt = Stopwatch.GetTimestamp();
                try
                {
                    seen = await LookAsync(seen, ++looks % 10_000 == 0, stoppingToken);
                    Volatile.Write(ref _trustedUntil, lookedAt + (long)(_lease.TotalSeconds * Stopwatch.Frequency));
                    failing = false;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (e is DbException or InvalidOperationException)
                {
                    // Note: the cache stops being trusted when the lease runs out; requests then read the file (or 503).
                    if (!failing)
                    {
                        LogLookFailed(logger, e);
                        failing = true;
                    }
                }

                await Task.Delay(_lease / 8, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Note: the reader's row stays; others stop waiting for it once it is a lease old. Deleting it here would
            // write to the file while the host is being disposed.
            _running = false;
            Volatile.Write(ref _trustedUntil, 0);
        }
    }

    /// <summary>One look, as one write transaction: the changes since <paramref name="seen"/>, and this reader's row.</summary>
    private async Task<long> LookAsync(long? seen, bool prune, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT coalesce(max(seq), $seen), coalesce(max(writer <> $me), 0) FROM credential_changes WHERE seq > $seen";
        command.Parameters.Add(new SqliteParameter("$me", _me));
        command.Parameters.Add(new SqliteParameter("$seen", seen ?? -1));
        long latest;
        bool foreign;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            latest = Math.Max(reader.GetInt64(0), 0);
            foreign = reader.GetInt64(1) == 1;
        }

        // Note: on the first look anything could have changed before this process listened.
        if (foreign || seen is null)
        {
            cache.Invalidate(Guid.Empty);
        }

        command.Parameters.Clear();
        command.CommandText = "INSERT INTO credential_change_readers (reader, seen, at) VALUES ($me, $seen, $at) "
            + "ON CONFLICT (reader) DO UPDATE SET seen = excluded.seen, at = excluded.at";
        command.Parameters.Add(new SqliteParameter("$me", _me));
        command.Parameters.Add(new SqliteParameter("$seen", latest));
        command.Parameters.Add(new SqliteParameter("$at", DateTimeOffset.UtcNow.UtcTicks));
        await command.ExecuteNonQueryAsync(cancellationToken);
        if (prune)
        {
            // Note: an hour of history is far more than any process needs to see a change; the rest goes, and readers
            // gone for as long.
            command.Parameters.Clear();
            command.CommandText = "DELETE FROM credential_changes WHERE at < $before AND seq < $seen; "
                + "DELETE FROM credential_change_readers WHERE at < $before";
            command.Parameters.Add(new SqliteParameter("$before", DateTimeOffset.UtcNow.AddHours(-1).UtcTicks));
            command.Parameters.Add(new SqliteParameter("$seen", latest));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return latest;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Could not read credential changes; the credential cache is not trusted until this succeeds again")]
    private static partial void LogLookFailed(ILogger logger, Exception exception);
}
