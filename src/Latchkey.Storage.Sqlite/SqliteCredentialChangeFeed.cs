using System.Collections.Concurrent;
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
/// <para>Every change adds a row to <c>credential_changes</c> inside its transaction, naming the process that made it
/// and the subject (user or tenant) it changed. Every serving process looks at the rows added since its last look every
/// eighth of a lease and forgets the cached credentials of their subjects, its own changes included. Each look is one
/// write transaction that also records, in <c>credential_change_readers</c>, how far the process has read, its lease,
/// and a count of its looks; SQLite runs write transactions one at a time, so a look either comes before a change (and
/// the reader's row says it has not seen it) or after it (and has applied it). A process trusts its cache for one lease
/// (its own) after its last look began.</para>
/// <para>After its change commits, a serving process waits until every reader behind the change has read past it, or
/// has been seen not to look for a whole lease of its own (its row did not move, timed on this process's monotonic
/// clock): it then no longer trusts its cache. No wall clock decides who is alive, so a clock step cannot make a live
/// reader look dead. A reader seen not to look for its lease is removed (it writes its row again if it comes back, and
/// then forgets its whole cache if changes it never saw were pruned meanwhile). A process that serves nothing (the tool)
/// cannot count on being heard and waits the longest lease any reader published (<see cref="UnheardChangeWaits"/>).</para>
/// </remarks>
internal sealed partial class SqliteCredentialChangeFeed(
    string connectionString, CredentialCache cache, UnheardChangeWaits unheard, IOptions<LatchkeyCredentialCacheOptions> options,
    ILogger<SqliteCredentialChangeFeed> logger)
    : ICredentialChangeFeed
{
    // Note: more changes than this since the last look are not read one by one; the whole cache goes instead.
    private const int MaxChangesPerLook = 1000;

    private readonly string _me = Guid.NewGuid().ToString("N");
    private readonly TimeSpan _lease = options.Value.Lease;
    private readonly long _leaseTicks = Ticks(options.Value.Lease);
    private readonly ConcurrentDictionary<string, Observation> _readers = new();
    private readonly ConcurrentDictionary<string, byte> _warned = new();
    private long _longestLease = Ticks(options.Value.Lease);
    private long _trustedUntil;
    private volatile bool _running;

    /// <summary>Test seam: awaited before each look, so that a test can stall this process as a paused one.</summary>
    internal Func<Task>? BetweenRounds { get; set; }

    public bool IsCurrent => Stopwatch.GetTimestamp() < Volatile.Read(ref _trustedUntil);

    public bool IsListening => _running && IsCurrent;

    public TimeSpan LeaseRemaining =>
        Volatile.Read(ref _trustedUntil) - Stopwatch.GetTimestamp() is > 0 and var left ? Stopwatch.GetElapsedTime(0, left) : TimeSpan.Zero;

    public async Task<long> AnnounceAsync(DbConnection connection, DbTransaction? transaction, Guid subject, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO credential_changes (writer, at, subject) VALUES ($writer, $at, $subject) RETURNING seq";
        command.Parameters.Add(new SqliteParameter("$writer", _me));
        command.Parameters.Add(new SqliteParameter("$at", DateTimeOffset.UtcNow.UtcTicks));
        command.Parameters.Add(new SqliteParameter("$subject", subject == Guid.Empty ? DBNull.Value : subject.ToString("N")));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task AwaitAppliedAsync(long announcement, CancellationToken cancellationToken)
    {
        if (!_running)
        {
            await unheard.WaitAsync(await LongestPublishedLeaseAsync(cancellationToken), cancellationToken);
            return;
        }

        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT reader, looks, at, lease FROM credential_change_readers WHERE reader <> $me AND seen < $seq";
            command.Parameters.Add(new SqliteParameter("$me", _me));
            command.Parameters.Add(new SqliteParameter("$seq", announcement));
            while (true)
            {
                var behind = 0;
                var trusting = 0;
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        behind++;
                        if (!Observe(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), Stopwatch.GetTimestamp()).StoppedTrusting)
                        {
                            trusting++;
                        }
                    }
                }

                if (trusting == 0)
                {
                    if (behind > 0)
                    {
                        LogUnacknowledged(logger, behind);
                    }

                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
            }
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            // Note: the change has committed (or may have); not seeing who read it, the longest lease seen is the bound.
            await unheard.WaitAsync(TimeSpan.FromSeconds((double)Volatile.Read(ref _longestLease) / Stopwatch.Frequency), cancellationToken);
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
                if (BetweenRounds is { } hold)
                {
                    await hold();
                }

                var lookedAt = Stopwatch.GetTimestamp();
                try
                {
                    seen = await LookAsync(seen, ++looks % 1000 == 0, stoppingToken);
                    Volatile.Write(ref _trustedUntil, lookedAt + _leaseTicks);
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
            // Note: the reader's row stays; others stop waiting for it once they have seen it not look for its lease.
            // Deleting it here would write to the file while the host is being disposed.
            _running = false;
            Volatile.Write(ref _trustedUntil, 0);
        }
    }

    /// <summary>
    /// One look, as one write transaction: the changes since <paramref name="seen"/> applied, this reader's row written,
    /// the other readers' rows observed (and those seen not to look for their lease removed).
    /// </summary>
    private async Task<long> LookAsync(long? seen, bool prune, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var latest = seen is { } from ? await ApplyChangesSinceAsync(command, from, cancellationToken) : await LatestAsync(command, cancellationToken);

        // Note: on the first look anything could have changed before this process listened.
        if (seen is null)
        {
            cache.Invalidate(Guid.Empty);
        }

        command.Parameters.Clear();
        command.CommandText = "INSERT INTO credential_change_readers (reader, seen, at, lease, looks) VALUES ($me, $seen, $at, $lease, 1) "
            + "ON CONFLICT (reader) DO UPDATE SET seen = excluded.seen, at = excluded.at, lease = excluded.lease, looks = looks + 1";
        command.Parameters.Add(new SqliteParameter("$me", _me));
        command.Parameters.Add(new SqliteParameter("$seen", latest));
        command.Parameters.Add(new SqliteParameter("$at", DateTimeOffset.UtcNow.UtcTicks));
        command.Parameters.Add(new SqliteParameter("$lease", (long)_lease.TotalMilliseconds));
        await command.ExecuteNonQueryAsync(cancellationToken);
        await ObserveReadersAsync(command, cancellationToken);
        if (prune)
        {
            // Note: changes every remaining reader has read are of no more use (a reader removed meanwhile that comes
            // back sees the gap and forgets its whole cache).
            command.Parameters.Clear();
            command.CommandText = "DELETE FROM credential_changes WHERE seq < (SELECT min(seen) FROM credential_change_readers)";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return latest;
    }

    /// <summary>Applies the changes after <paramref name="seen"/> to the cache; returns the last one's number.</summary>
    private async Task<long> ApplyChangesSinceAsync(SqliteCommand command, long seen, CancellationToken cancellationToken)
    {
        command.Parameters.Clear();
        command.CommandText = "SELECT seq, subject FROM credential_changes WHERE seq > $seen ORDER BY seq LIMIT $limit";
        command.Parameters.Add(new SqliteParameter("$seen", seen));
        command.Parameters.Add(new SqliteParameter("$limit", MaxChangesPerLook + 1));
        var subjects = new List<Guid>();
        var latest = seen;
        var first = 0L;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                latest = reader.GetInt64(0);
                first = first == 0 ? latest : first;
                subjects.Add(reader.IsDBNull(1) || !Guid.TryParseExact(reader.GetString(1), "N", out var subject) ? Guid.Empty : subject);
            }
        }

        // Note: a gap means changes were pruned before this process read them (it was taken for gone), and too many
        // are cheaper to forget at once: either way the whole cache goes.
        if (subjects.Count > MaxChangesPerLook || (first != 0 && first != seen + 1))
        {
            cache.Invalidate(Guid.Empty);
            return subjects.Count > MaxChangesPerLook ? await LatestAsync(command, cancellationToken) : latest;
        }

        foreach (var subject in subjects)
        {
            cache.Invalidate(subject);
        }

        return latest;
    }

    private static async Task<long> LatestAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        command.Parameters.Clear();
        command.CommandText = "SELECT coalesce(max(seq), 0) FROM credential_changes";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Notes how far each other reader has got, removes those seen not to look for their lease, and the longest lease.</summary>
    private async Task ObserveReadersAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        command.Parameters.Clear();
        command.CommandText = "SELECT reader, looks, at, lease FROM credential_change_readers WHERE reader <> $me";
        command.Parameters.Add(new SqliteParameter("$me", _me));
        var now = Stopwatch.GetTimestamp();
        var longest = _leaseTicks;
        var present = new HashSet<string>();
        var gone = new List<(string Reader, long Looks, long At)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                present.Add(name);
                var observation = Observe(name, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), now);
                if (observation.StoppedTrusting)
                {
                    gone.Add((name, observation.Looks, observation.At));
                }
                else
                {
                    longest = Math.Max(longest, observation.LeaseTicks);
                }
            }
        }

        Volatile.Write(ref _longestLease, longest);
        foreach (var name in _readers.Keys.Where(name => !present.Contains(name)))
        {
            _readers.TryRemove(name, out _);
        }

        foreach (var (name, looks, at) in gone)
        {
            command.Parameters.Clear();
            command.CommandText = "DELETE FROM credential_change_readers WHERE reader = $reader AND looks = $looks AND at = $at";
            command.Parameters.Add(new SqliteParameter("$reader", name));
            command.Parameters.Add(new SqliteParameter("$looks", looks));
            command.Parameters.Add(new SqliteParameter("$at", at));
            await command.ExecuteNonQueryAsync(cancellationToken);
            _readers.TryRemove(name, out _);
        }
    }

    /// <summary>
    /// Records that <paramref name="reader"/>'s row read <paramref name="looks"/> and <paramref name="at"/> at
    /// <paramref name="now"/>; its observation says since when the row has not moved.
    /// </summary>
    private Observation Observe(string reader, long looks, long at, long leaseMilliseconds, long now)
    {
        // Note: a row written before readers published their lease counts with this process's.
        var lease = leaseMilliseconds > 0 ? Ticks(TimeSpan.FromMilliseconds(leaseMilliseconds)) : _leaseTicks;
        // Note: a row moves with every look: the count, and the time written beside it, which a reader of an older
        // version (that counts nothing) still writes. Only the fact that it moved is used, never the time's value.
        var observation = _readers.AddOrUpdate(reader, static (_, seen) => seen,
            static (_, known, seen) => known.Looks == seen.Looks && known.At == seen.At ? known with { LeaseTicks = seen.LeaseTicks } : seen,
            new Observation(looks, at, now, lease, now));
        if (lease != _leaseTicks && _warned.TryAdd(reader, 0))
        {
            LogLeaseDiffers(logger, reader, TimeSpan.FromMilliseconds(leaseMilliseconds), _lease);
        }

        return observation with { Now = now };
    }

    /// <summary>The longest lease any reader of the file published, or this process's own when longer.</summary>
    private async Task<TimeSpan> LongestPublishedLeaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT coalesce(max(lease), 0) FROM credential_change_readers";
            var longest = TimeSpan.FromMilliseconds((long)(await command.ExecuteScalarAsync(cancellationToken))!);
            return longest > _lease ? longest : _lease;
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            return _lease;
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// A reader's row as first seen at <see cref="Since"/> on this process's monotonic clock. Once it has not moved for
    /// the reader's lease, the reader's last look began more than a lease ago: it no longer trusts its cache.
    /// </summary>
    private sealed record Observation(long Looks, long At, long Since, long LeaseTicks, long Now)
    {
        public bool StoppedTrusting => Now - Since >= LeaseTicks;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Could not read credential changes; the credential cache is not trusted until this succeeds again")]
    private static partial void LogLookFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information,
        Message = "{Count} reader(s) of the file did not read a credential change within their lease; they no longer trust their caches")]
    private static partial void LogUnacknowledged(ILogger logger, int count);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "Process {Reader} trusts its credential cache for {PeerLease}, this one for {Lease}: set one Latchkey:CredentialCache:Lease everywhere. Revocations wait for the longest lease a reader published")]
    private static partial void LogLeaseDiffers(ILogger logger, string reader, TimeSpan peerLease, TimeSpan lease);
}
