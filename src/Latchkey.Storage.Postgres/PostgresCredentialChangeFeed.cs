using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Latchkey.Core;
using Latchkey.Core.Credentials;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// PostgreSQL's change feed: <c>LISTEN/NOTIFY</c> on one channel, on one connection of this instance's own.
/// </summary>
/// <remarks>
/// <para>Messages: <c>r origin n subject</c> (a change, sent inside its transaction, so it is delivered when, and only
/// if, the transaction commits), <c>a origin n instance</c> (an instance has applied change n of origin), and
/// <c>h instance n lease</c> (a heartbeat, every quarter lease, with the sender's lease in milliseconds).</para>
/// <para>The lease: PostgreSQL delivers notifications in commit order. So when an instance receives its own heartbeat
/// n back, it has received (and applied) every change committed before heartbeat n was sent, and it trusts its cache
/// until one lease after that sending. An instance that loses its connection stops hearing its heartbeats, and its
/// cache stops being trusted within one lease.</para>
/// <para>The wait: after its transaction commits, the changing instance waits until it has heard its own change back
/// (so it has heard every heartbeat committed before: it knows every live instance), then until each instance heard
/// within its lease has acknowledged, and at most the longest of those leases (and its own) in all: an instance that
/// has not acknowledged by then has not heard from itself within its lease either, and no longer trusts its cache.
/// Within that lease of starting to listen it may not know every peer, and waits until the lease since it began to
/// listen has passed. Its own changes
/// it applies again when it hears them back, whatever became of the call that committed them.</para>
/// </remarks>
internal sealed partial class PostgresCredentialChangeFeed(
    NpgsqlDataSource dataSource, CredentialCache cache, UnheardChangeWaits unheard, IOptions<LatchkeyCredentialCacheOptions> options,
    ILogger<PostgresCredentialChangeFeed> logger) : ICredentialChangeFeed
{
    public const string Channel = "latchkey_credentials";

    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly TimeSpan _lease = options.Value.Lease;
    private readonly ConcurrentDictionary<long, long> _heartbeatsSent = new();
    private readonly long _leaseTicks = Ticks(options.Value.Lease);
    private readonly ConcurrentDictionary<string, Peer> _peersHeard = new();
    private readonly ConcurrentDictionary<long, Announcement> _acknowledged = new();
    private readonly ConcurrentQueue<string> _acknowledgements = new();
    private long _announced;
    private long _trustedUntil;
    private long _listeningSince;
    private volatile bool _listening;

    /// <summary>Test seam: awaited before each round, so that a test can stall this instance as a paused process.</summary>
    internal Func<Task>? BetweenRounds { get; set; }

    /// <summary>This instance's name in the messages.</summary>
    internal string Instance => _instance;

    /// <summary>Whether <paramref name="instance"/>'s heartbeat has been heard.</summary>
    internal bool HasHeard(string instance) => _peersHeard.ContainsKey(instance);

    public bool IsCurrent => Stopwatch.GetTimestamp() < Volatile.Read(ref _trustedUntil);

    public bool IsListening => _listening;

    public TimeSpan LeaseRemaining =>
        Volatile.Read(ref _trustedUntil) - Stopwatch.GetTimestamp() is > 0 and var left ? Stopwatch.GetElapsedTime(0, left) : TimeSpan.Zero;

    public async Task<long> AnnounceAsync(DbConnection connection, DbTransaction? transaction, Guid subject, CancellationToken cancellationToken)
    {
        var announcement = Interlocked.Increment(ref _announced);

        // Note: before the commit, since an instance may acknowledge before the committing call gets to wait. A change
        // that rolls back leaves its entry behind; a few hundred of them are forgotten at once.
        if (_acknowledged.Count > 500)
        {
            foreach (var stale in _acknowledged.Keys.Where(k => k < announcement - 500))
            {
                _acknowledged.TryRemove(stale, out _);
            }
        }

        _acknowledged.TryAdd(announcement, new());
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_notify('{Channel}', @payload)";
        command.Parameters.Add(new NpgsqlParameter("payload", string.Create(CultureInfo.InvariantCulture, $"r {_instance} {announcement} {subject:N}")));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return announcement;
    }

    public async Task AwaitAppliedAsync(long announcement, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var acknowledged = _acknowledged.GetOrAdd(announcement, _ => new());
        try
        {
            if (!_listening)
            {
                // Note: no way to hear acknowledgements; the longest lease of any instance ever heard is the bound that
                // always holds (the peers it heard before its connection dropped may still trust theirs).
                await unheard.WaitAsync(TimeSpan.FromSeconds((double)LongestLease(start, everHeard: true) / Stopwatch.Frequency), cancellationToken);
                return;
            }

            var longest = LongestLease(start, everHeard: false);
            var deadline = start + longest;

            // Note: a peer that sent its last heartbeat before this connection listened (a paused process) is never
            // heard, yet may trust its cache until one lease after that heartbeat: so within a lease of starting to
            // listen, the wait lasts until that lease has passed. Peers heard since are waited for as usual.
            await DelayUntilAsync(Volatile.Read(ref _listeningSince) + longest, cancellationToken);

            while (!acknowledged.Heard)
            {
                if (!await PauseUntilAsync(deadline, cancellationToken))
                {
                    return;
                }
            }

            var now = Stopwatch.GetTimestamp();
            var waitFor = _peersHeard.Where(p => p.Value.IsLive(now)).Select(p => p.Key).ToList();
            while (waitFor.Any(peer => !acknowledged.By.ContainsKey(peer)))
            {
                if (!await PauseUntilAsync(deadline, cancellationToken))
                {
                    LogUnacknowledged(logger, waitFor.Count(peer => !acknowledged.By.ContainsKey(peer)));
                    return;
                }
            }
        }
        finally
        {
            _acknowledged.TryRemove(announcement, out _);
        }
    }

    /// <summary>
    /// The longest lease, in stopwatch ticks, of this instance and of the peers heard within their lease (or, with
    /// <paramref name="everHeard"/>, of every peer it remembers): an instance that has not applied a change stops
    /// trusting its cache within its own lease, whatever this one's is.
    /// </summary>
    private long LongestLease(long now, bool everHeard)
    {
        var longest = _leaseTicks;
        foreach (var (_, peer) in _peersHeard)
        {
            if (peer.LeaseTicks > longest && (everHeard || peer.IsLive(now)))
            {
                longest = peer.LeaseTicks;
            }
        }

        return longest;
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        long heartbeat = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => Receive(e.Payload);
                await ExecuteAsync(connection, $"LISTEN {Channel}", null, stoppingToken);

                // Note: whatever was cached before this connection listened may have missed a change.
                cache.Invalidate(Guid.Empty);
                Volatile.Write(ref _listeningSince, Stopwatch.GetTimestamp());
                _listening = true;
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (BetweenRounds is { } hold)
                    {
                        await hold();
                    }

                    var next = ++heartbeat;
                    _heartbeatsSent[next] = Stopwatch.GetTimestamp();
                    await NotifyAsync(connection, string.Create(CultureInfo.InvariantCulture, $"h {_instance} {next} {(long)_lease.TotalMilliseconds}"), stoppingToken);
                    if (next % 1000 == 0)
                    {
                        ForgetPeersGoneSince(Stopwatch.GetTimestamp() - Ticks(TimeSpan.FromHours(1)));
                    }

                    var beatDue = Stopwatch.GetTimestamp() + Ticks(_lease / 4);
                    while (Stopwatch.GetTimestamp() < beatDue)
                    {
                        while (_acknowledgements.TryDequeue(out var acknowledgement))
                        {
                            await NotifyAsync(connection, acknowledgement, stoppingToken);
                        }

                        // Note: whole milliseconds, at least one: Npgsql takes a timeout of 0 as none at all, and the
                        // loop would then sleep until some other instance happened to notify.
                        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), beatDue);
                        if (remaining > TimeSpan.Zero)
                        {
                            await connection.WaitAsync(Math.Max(1, (int)Math.Ceiling(remaining.TotalMilliseconds)), stoppingToken);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException or IOException)
            {
                LogListenFailed(logger, e);
            }
            finally
            {
                _listening = false;
                Volatile.Write(ref _trustedUntil, 0);
                _heartbeatsSent.Clear();
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Runs inside Npgsql's read of the connection, one notification at a time, in commit order.</summary>
    private void Receive(string payload)
    {
        var parts = payload.Split(' ');
        if (parts.Length < 3 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return;
        }

        var mine = parts[1] == _instance;
        switch (parts[0])
        {
            case "h" when mine:
                if (_heartbeatsSent.TryRemove(number, out var sentAt))
                {
                    Volatile.Write(ref _trustedUntil, sentAt + Ticks(_lease));
                }

                break;
            case "h":
                var lease = parts.Length >= 4 && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
                    ? Ticks(TimeSpan.FromMilliseconds(milliseconds))
                    : _leaseTicks;
                if (_peersHeard.TryGetValue(parts[1], out var known) ? known.LeaseTicks != lease : lease != _leaseTicks)
                {
                    LogLeaseDiffers(logger, parts[1], TimeSpan.FromSeconds((double)lease / Stopwatch.Frequency), _lease);
                }

                _peersHeard[parts[1]] = new Peer(Stopwatch.GetTimestamp(), lease);
                break;
            case "r" when mine:
                if (_acknowledged.TryGetValue(number, out var heard))
                {
                    heard.Heard = true;
                }

                // Note: applied here too, not only by the committing call: a commit that threw after it went through,
                // or a caller that died right after, must not leave this instance's own cache behind.
                if (parts.Length == 4 && Guid.TryParseExact(parts[3], "N", out var own))
                {
                    cache.Invalidate(own);
                }

                break;
            case "r" when parts.Length == 4 && Guid.TryParseExact(parts[3], "N", out var subject):
                cache.Invalidate(subject);
                _acknowledgements.Enqueue(string.Create(CultureInfo.InvariantCulture, $"a {parts[1]} {number} {_instance}"));
                break;
            case "a" when mine && parts.Length == 4:
                if (_acknowledged.TryGetValue(number, out var acknowledged))
                {
                    acknowledged.By.TryAdd(parts[3], 0);
                }

                break;
        }
    }

    private static Task NotifyAsync(NpgsqlConnection connection, string payload, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, $"SELECT pg_notify('{Channel}', @payload)", payload, cancellationToken);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, string? payload, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (payload is not null)
        {
            command.Parameters.AddWithValue("payload", payload);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private void ForgetPeersGoneSince(long before)
    {
        foreach (var (name, peer) in _peersHeard)
        {
            if (peer.HeardAt < before)
            {
                _peersHeard.TryRemove(KeyValuePair.Create(name, peer));
            }
        }
    }

    private static async Task DelayUntilAsync(long deadline, CancellationToken cancellationToken)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, cancellationToken);
        }
    }

    /// <summary>A short pause while waiting for a notification; false once <paramref name="deadline"/> has passed.</summary>
    private static async Task<bool> PauseUntilAsync(long deadline, CancellationToken cancellationToken)
    {
        if (Stopwatch.GetTimestamp() >= deadline)
        {
            return false;
        }

        await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken);
        return true;
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// A peer as last heard: when, and the lease it announced. Live while heard within that lease: its heartbeats come
    /// every quarter lease, and one not heard for a whole lease no longer trusts its cache.
    /// </summary>
    private sealed record Peer(long HeardAt, long LeaseTicks)
    {
        public bool IsLive(long now) => now - HeardAt < LeaseTicks;
    }

    /// <summary>
    /// One change announced here: whether this instance has heard it back (after which it knows every live instance),
    /// and which instances have acknowledged applying it.
    /// </summary>
    private sealed class Announcement
    {
        public volatile bool Heard;

        public ConcurrentDictionary<string, byte> By { get; } = new();
    }

    // Note: Latchkey.Storage.Postgres logs with event ids 1500–1599; 1200–1299 belong to Latchkey.AspNetCore.
    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning,
        Message = "Lost the credential change feed; the credential cache is not trusted until it is back")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning,
        Message = "Instance {Instance} trusts its credential cache for {PeerLease}, this one for {Lease}: set one Latchkey:CredentialCache:Lease everywhere. Revocations here wait for the longest lease heard, but a process that has not heard it (the latchkey tool, a fresh start) waits its own")]
    private static partial void LogLeaseDiffers(ILogger logger, string instance, TimeSpan peerLease, TimeSpan lease);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information,
        Message = "{Count} instance(s) did not acknowledge a credential change within the lease; they no longer trust their caches")]
    private static partial void LogUnacknowledged(ILogger logger, int count);
}
